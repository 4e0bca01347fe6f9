"""办理时限 messages for the review steps (消息, kind 办理时限): the daily sweep tells the organisation whose
step an open application waits on, once when its due date is 2 working days away or nearer (剩余 N 个工作日)
and once when it is overdue (已超期 N 个工作日).

Who acts: 待接收 → the receiving institution; 待市级审核 → each involved city that has not decided in this
round (one that approved is not told); 待省级复核 → the province. The event is the application's round,
state and due date, so a new round, or a due date moved by the province, warns again. The rows are read
in three queries and the messages written in four (``notices.notify_many``), however many there are.
"""

from datetime import date

from django.db.models import Prefetch
from django.urls import reverse

from notices.actions import PROVINCE, Kind, Message
from workdays import calendar
from workdays.deadlines import SOON_DAYS

from .models import Application, Decision, State
from .notifications import subject

STEPS = [State.PENDING_RECEIPT, State.PENDING_CITY, State.PENDING_PROVINCE]


def when(due: date, on: date) -> tuple[str, str]:
    """(event suffix, words) for a due date seen on ``on``: ("soon", "剩余 N 个工作日") or ("overdue", …)."""
    left = calendar.workdays_left(due, on)
    if left < 0:
        return "overdue", f"已超期 {-left} 个工作日（办理期限 {due:%Y-%m-%d}）"
    return "soon", f"剩余 {left} 个工作日（办理期限 {due:%Y-%m-%d}）"


def _who_acts(application) -> list:
    if application.state == State.PENDING_RECEIPT:
        return [application.receiving_institution]
    if application.state == State.PENDING_CITY:
        decided = {d.city_id for d in application.city_decisions if d.round == application.round}
        return [city for city in application.cities.all() if city.pk not in decided]
    return [PROVINCE]


def messages(on: date | None = None) -> list[Message]:
    """The 办理时限 messages of every open application due within ``SOON_DAYS`` working days or overdue."""
    on = on or calendar.today()
    due = (
        Application.objects.filter(state__in=STEPS, due_on__lte=calendar.add_workdays(on, SOON_DAYS))
        .select_related("institution", "receiving_institution")
        .prefetch_related(
            "cities",
            Prefetch(
                "decisions",
                queryset=Decision.objects.filter(step=Decision.Step.CITY).only(
                    "application_id", "round", "city_id"
                ),
                to_attr="city_decisions",
            ),
        )
        .order_by("due_on", "pk")
    )
    found = []
    for application in due:
        recipients = _who_acts(application)
        if not recipients:
            continue
        event, words = when(application.due_on, on)
        text = f"{subject(application)}{application.get_state_display()}，{words}，请及时办理。"
        once_key = (
            f"application:{application.pk}:round:{application.round}:{application.state}"
            f":due:{application.due_on.isoformat()}:{event}"
        )
        url = reverse("application_detail", args=[application.pk])
        found.append(Message(tuple(recipients), Kind.DEADLINE, text, url, once_key))
    return found
