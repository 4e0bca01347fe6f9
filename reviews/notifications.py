"""Who is told what when an application moves (消息): the next office in line when it arrives in a queue,
the party that must correct it when it is returned (with the opinion), the filer and the receiver when it
is approved. Called by the actions after the transition, inside their transaction: ``notices.notify``
writes the messages once it commits."""

from django.urls import reverse

from notices.actions import PROVINCE, Kind, notify

from .models import Decision, Party, State


def subject(application) -> str:
    return f"{application.get_type_display()}：{application.subject_name}（{application.institution.name}）"


def _once(application, what: str) -> str:
    """The event: this application reaching ``what`` in this review round (a retried action tells no one
    twice; the next round is a new event)."""
    return f"application:{application.pk}:round:{application.round}:{what}"


def _filer(application):
    """The office that filed it: its institution, or the city that filed a city's own process (the
    province decides its own at once and is not told of it)."""
    if "institution" in application.process.filers:
        return application.institution
    if "city" in application.process.filers:
        return application.cities.first()
    return None


def moved(application, before: str, decision: Decision | None = None) -> None:
    """Tell whoever the application's new state concerns (nothing when the state did not change: one
    city approved and another has yet to decide)."""
    state = application.state
    if state == before:
        return
    url = reverse("application_detail", args=[application.pk])
    label = subject(application)
    if state == State.PENDING_RECEIPT:
        notify(
            [application.receiving_institution],
            Kind.ARRIVED,
            f"{label}待接收。",
            url,
            _once(application, state),
        )
    elif state == State.PENDING_CITY:
        notify(application.cities.all(), Kind.ARRIVED, f"{label}待市级审核。", url, _once(application, state))
    elif state == State.PENDING_PROVINCE:
        notify([PROVINCE], Kind.ARRIVED, f"{label}待省级复核。", url, _once(application, state))
    elif state == State.RETURNED:
        corrects = (
            application.receiving_institution
            if application.returned_to == Party.RECEIVER
            else _filer(application)
        )
        step = decision.step_label if decision else "审核"
        text = f"{label}被{step}退回，请修改后重新提交。审核意见：{decision.opinion if decision else ''}"
        notify([corrects], Kind.RETURNED, text, url, _once(application, state))
    elif state == State.APPROVED:
        parties = [p for p in [_filer(application)] if p is not None]
        if application.receiving_institution_id:
            parties.append(application.receiving_institution)
        notify(parties, Kind.APPROVED, f"{label}已通过省级复核。", url, _once(application, state))
