"""The public entry points: ``notify`` (any app above this one tells organisations what happened) and the
reader's ``mark_read`` / ``mark_all_read``.

``notify`` records nothing in the caller's transaction: the messages are written when it commits (at
once outside a transaction), so a rolled-back action tells nobody. ``once_key`` names the event; telling
the same organisation the same event again is a no-op, enforced by the unique constraint
``one_notice_per_event`` (two app servers telling it at the same moment still make one message).
"""

from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.events import Kind as EventKind
from audit.events import record

from . import organisations, tasks
from .models import Kind, Notice, Recipient

__all__ = [
    "PROVINCE",
    "UNREAD_CAP",
    "Kind",
    "mark_all_read",
    "mark_read",
    "notify",
    "set_email",
    "unread_count",
]

PROVINCE = organisations.PROVINCE


def notify(recipients: Iterable, kind: str, text: str, url: str, once_key: str | None = None) -> None:
    """Tell every active login of each organisation in ``recipients`` (``PROVINCE``, a ``City`` or an
    ``Institution``; repeats count once) ``text``, opening ``url`` (an internal path) in one click.

    Written after the caller's transaction commits. With ``once_key``, an organisation already told
    this event is not told again.
    """
    if kind not in Kind.values:
        raise ValueError(kind)
    if not url.startswith("/") or url.startswith("//"):
        raise ValueError(f"not an internal path: {url}")
    keys = list(dict.fromkeys(organisations.key(r) for r in recipients))
    if keys:
        # robust: the caller's action has committed; a failure to write its messages is logged, not raised.
        transaction.on_commit(lambda: _record(keys, kind, text, url, once_key), robust=True)


def _record(keys: list[str], kind: str, text: str, url: str, once_key: str | None) -> list[Notice]:
    recorded = []
    for key in keys:
        users = list(organisations.logins(key).values_list("pk", flat=True))
        try:
            with transaction.atomic():
                notice = Notice.objects.create(
                    organisation=key, kind=kind, text=text[:500], url=url, once_key=once_key
                )
                Recipient.objects.bulk_create([Recipient(notice=notice, user_id=pk) for pk in users])
        except IntegrityError:
            if once_key and Notice.objects.filter(organisation=key, once_key=once_key).exists():
                continue  # told before: the event is messaged once
            raise
        recorded.append(notice)
    if recorded and settings.SMS_GATEWAY:
        tasks.send_sms.enqueue([n.pk for n in recorded])  # by the worker, never in a web request
    return recorded


def mark_read(recipient: Recipient) -> None:
    """The login has opened its copy (the view found it among ``Recipient.objects.visible_to(user)``)."""
    if recipient.unread:
        Recipient.objects.filter(pk=recipient.pk).update(unread=False, read_at=timezone.now())


def mark_all_read(user) -> int:
    """全部标为已读 for this login only; returns how many were unread."""
    return Recipient.objects.visible_to(user).unread().update(unread=False, read_at=timezone.now())


UNREAD_CAP = 99


def unread_count(user) -> int:
    """The header's badge: one count on the ``recipient_inbox`` index, stopping past ``UNREAD_CAP``
    (shown as 99+), so that it costs the same however many are unread."""
    return Recipient.objects.visible_to(user).unread()[: UNREAD_CAP + 1].count()


def set_email(user, email: str, *, request=None) -> str:
    """Set the address of ``user``'s own organisation (an institution or a city) for the daily digest
    ('' for none), audited in the same transaction; returns it."""
    organisation = user.institution if user.is_institution else user.city if user.is_city else None
    if organisation is None:
        raise ValueError("only an institution's or a city's login sets its organisation's address")
    with transaction.atomic():
        type(organisation).objects.filter(pk=organisation.pk).update(email=email)
        record(
            EventKind.ACCOUNT_CHANGED,
            request=request,
            user=user,
            obj=organisation,
            detail=f"接收消息的电子邮箱改为 {email or '（不发送邮件）'}",
        )
    return email
