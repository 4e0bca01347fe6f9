"""办理时限 messages for 证书收回 and the daily sweep that sends them with the review steps' ones.

A cancelled certificate's paper 待交回 is the cancelling institution's to mail back: it is told once when
the due date is 2 working days away or nearer and once when it is overdue (event: the recovery and its due
date). ``sweep`` gathers these and ``reviews.reminders``' and writes them in one go (``notify_many``).
"""

from datetime import date

from django.urls import reverse

from notices.actions import Kind, Message, notify_many
from reviews import reminders
from workdays import calendar
from workdays.deadlines import SOON_DAYS

from .models import Recovery


def messages(on: date | None = None) -> list[Message]:
    """The 办理时限 messages of every 待交回 recovery due within ``SOON_DAYS`` working days or overdue."""
    on = on or calendar.today()
    due = (
        Recovery.objects.filter(
            state=Recovery.State.PENDING, due_on__lte=calendar.add_workdays(on, SOON_DAYS)
        )
        .select_related("certificate__holder", "application__institution")
        .order_by("due_on", "pk")
    )
    found = []
    for recovery in due:
        certificate = recovery.certificate
        event, words = reminders.when(recovery.due_on, on)
        text = (
            f"{certificate.holder.name}的{certificate.get_kind_display()}岗位合格证书（{certificate.number}）"
            f"待交回，{words}，请尽快寄回省质监总站。"
        )
        once_key = f"recovery:{recovery.pk}:due:{recovery.due_on.isoformat()}:{event}"
        url = reverse("application_detail", args=[recovery.application_id])
        found.append(Message((recovery.application.institution,), Kind.DEADLINE, text, url, once_key))
    return found


def sweep(on: date | None = None) -> int:
    """Tell every organisation whose step is due within 2 working days or overdue, once per event.
    Returns how many events were looked at (those told before are left alone)."""
    on = on or calendar.today()
    found = reminders.messages(on) + messages(on)
    notify_many(found)
    return len(found)
