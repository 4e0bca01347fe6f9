"""The public entry points: ``notify`` (any app above this one tells organisations what happened) and the
reader's ``mark_read`` / ``mark_all_read``.

``notify`` records nothing in the caller's transaction: the messages are written when it commits (at
once outside a transaction), so a rolled-back action tells nobody. ``once_key`` names the event; telling
the same organisation the same event again is a no-op, enforced by the unique constraint
``one_notice_per_event`` (two app servers telling it at the same moment still make one message).
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.events import Kind as EventKind
from audit.events import record
from web import freshness

from . import organisations, tasks
from .models import Kind, Notice, Recipient

__all__ = [
    "PROVINCE",
    "UNREAD_CAP",
    "Kind",
    "Message",
    "mark_all_read",
    "mark_read",
    "notify",
    "notify_many",
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
                _inboxes_changed(users)
        except IntegrityError:
            if once_key and Notice.objects.filter(organisation=key, once_key=once_key).exists():
                continue  # told before: the event is messaged once
            raise
        recorded.append(notice)
    if recorded and settings.SMS_GATEWAY:
        tasks.send_sms.enqueue([n.pk for n in recorded])  # by the worker, never in a web request
    return recorded


@dataclass(frozen=True)
class Message:
    """One event for ``notify_many``: the arguments of one ``notify`` call (``once_key`` required)."""

    recipients: tuple
    kind: str
    text: str
    url: str
    once_key: str


def notify_many(messages: Iterable[Message]) -> None:
    """``notify`` for a sweep's many events, written after commit in the same few queries however many
    there are: one for the events already told, one for the logins, one insert of the messages and one
    of their copies. Each message needs a ``once_key``; an organisation already told it is left out."""
    rows = []
    for message in messages:
        if message.kind not in Kind.values or not message.once_key:
            raise ValueError(message)
        if not message.url.startswith("/") or message.url.startswith("//"):
            raise ValueError(f"not an internal path: {message.url}")
        for key in dict.fromkeys(organisations.key(r) for r in message.recipients):
            rows.append((key, message))
    if rows:
        transaction.on_commit(lambda: _record_many(rows), robust=True)


def _record_many(rows: list) -> list[Notice]:
    told = set(
        Notice.objects.filter(once_key__in={m.once_key for _, m in rows}).values_list(
            "organisation", "once_key"
        )
    )
    rows = [(key, m) for key, m in dict.fromkeys(rows) if (key, m.once_key) not in told]
    if not rows:
        return []
    users = organisations.logins_of({key for key, _ in rows})
    try:
        with transaction.atomic():
            notices = Notice.objects.bulk_create(
                [
                    Notice(organisation=key, kind=m.kind, text=m.text[:500], url=m.url, once_key=m.once_key)
                    for key, m in rows
                ]
            )
            Recipient.objects.bulk_create(
                [Recipient(notice=n, user_id=pk) for n in notices for pk in users.get(n.organisation, [])]
            )
            _inboxes_changed({pk for n in notices for pk in users.get(n.organisation, [])})
    except IntegrityError:
        # another process told some of them at the same moment: one by one, each at most once.
        return [n for key, m in rows for n in _record([key], m.kind, m.text, m.url, m.once_key)]
    if settings.SMS_GATEWAY:
        tasks.send_sms.enqueue([n.pk for n in notices])
    return notices


def mark_read(recipient: Recipient) -> None:
    """The login has opened its copy (the view found it among ``Recipient.objects.visible_to(user)``)."""
    if recipient.unread:
        with transaction.atomic():
            Recipient.objects.filter(pk=recipient.pk).update(unread=False, read_at=timezone.now())
            _inboxes_changed([recipient.user_id])


def mark_all_read(user) -> int:
    """全部标为已读 for this login only; returns how many were unread."""
    with transaction.atomic():
        marked = Recipient.objects.visible_to(user).unread().update(unread=False, read_at=timezone.now())
        _inboxes_changed([user.pk])
    return marked


UNREAD_CAP = 99


def _inbox(user_pk: int) -> str:
    """The ``web.freshness`` generation of one login's unread messages."""
    return f"jiance:inbox:{user_pk}"


def _inboxes_changed(user_pks) -> None:
    if user_pks:
        freshness.changed(*(_inbox(pk) for pk in user_pks))


def unread_count(user) -> int:
    """The header's badge: one count on the ``recipient_inbox`` index, stopping past ``UNREAD_CAP``
    (shown as 99+), so that it costs the same however many are unread; kept in the cache until a
    message to this login, or its reading, commits (every page draws it)."""
    return freshness.cached(
        f"unread:{user.pk}",
        lambda: Recipient.objects.visible_to(user).unread().order_by()[: UNREAD_CAP + 1].count(),
        generation=_inbox(user.pk),
    )


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
