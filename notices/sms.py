"""SMS through a gateway the deployment plugs in; none is built in.

``SMS_GATEWAY`` is the dotted path of a class whose instances have ``send(phone: str, text: str)``, e.g.::

    class Gateway:
        def send(self, phone, text):
            provider_client.send_sms(to=phone, body=text)

When set, every new message is also sent by SMS to each receiving login with a 手机 number, by the job
worker (never in a web request). A failed send is logged and not retried.
"""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

from .models import Recipient

logger = logging.getLogger(__name__)


def gateway():
    """An instance of the configured gateway, or None."""
    return import_string(settings.SMS_GATEWAY)() if settings.SMS_GATEWAY else None


def send(notice_ids: list[int]) -> int:
    """Send each message to the 手机 of every login that received it; returns how many were sent."""
    sender = gateway()
    if sender is None:
        return 0
    copies = (
        Recipient.objects.filter(notice_id__in=notice_ids)
        .exclude(user__phone="")
        .select_related("notice", "user")
        .order_by("pk")
    )
    sent = 0
    for copy in copies:
        try:
            sender.send(copy.user.phone, f"【江苏检测信用】{copy.notice.text}")
        except Exception:  # one failing number must not stop the others
            logger.exception("SMS to login %s failed", copy.user_id)
        else:
            sent += 1
    return sent
