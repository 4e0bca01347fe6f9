"""The daily e-mail digest: per organisation with an address, the messages not yet mailed, in one mail.

Only when ``EMAIL_HOST`` is configured. Each message is mailed at most once: its rows are claimed
(``emailed_at`` set and committed) before the mail is sent; if sending fails they are released again
for the next day's digest. Messages older than ``MAX_AGE_DAYS`` are not mailed (an organisation that
sets its address later does not get its whole history).
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from . import organisations
from .models import Notice

MAX_AGE_DAYS = 7
logger = logging.getLogger(__name__)


def _pending():
    since = timezone.now() - timedelta(days=MAX_AGE_DAYS)
    return Notice.objects.filter(emailed_at__isnull=True, created_at__gte=since)


def send_all() -> int:
    """Send every organisation's digest; returns how many mails were sent."""
    if not settings.EMAIL_HOST:
        return 0
    keys = set(_pending().values_list("organisation", flat=True).distinct())
    sent = 0
    for key, address in organisations.email_addresses(keys).items():
        sent += _send_one(key, address)
    return sent


def _claim(key: str) -> list[Notice]:
    with transaction.atomic():
        notices = list(_pending().filter(organisation=key).select_for_update(skip_locked=True).order_by("pk"))
        Notice.objects.filter(pk__in=[n.pk for n in notices]).update(emailed_at=timezone.now())
    return notices


def _send_one(key: str, address: str) -> int:
    notices = _claim(key)
    if not notices:
        return 0
    lines = [
        f"{timezone.localtime(n.created_at):%Y-%m-%d %H:%M} 【{n.get_kind_display()}】{n.text}"
        for n in notices
    ]
    body = "\n".join(
        [
            f"您有 {len(notices)} 条新消息：",
            "",
            *lines,
            "",
            "请登录江苏省建设工程质量检测机构及人员信用管理系统，在“消息”中查看并处理。",
        ]
    )
    try:
        send_mail(f"检测信用管理系统消息（{len(notices)} 条）", body, None, [address])
    except Exception:
        logger.exception("digest to %s failed; kept for the next one", key)
        Notice.objects.filter(pk__in=[n.pk for n in notices]).update(emailed_at=None)
        return 0
    return 1
