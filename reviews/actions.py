"""One action per workflow step. Every entry point (view, command, test) calls these.

Each action locks the application row (and, when filing, the person's row), checks the user's right
itself (django-fsm's ``permission=`` is only a query) and the process's filing rules
(``Process.check_filing``), runs the transition, saves, records the decision and applies the process's
effect, all in one ``transaction.atomic()``. Scans are written to storage before that transaction
opens (``attachments.write``), so no row lock waits on the bucket. django-fsm-log writes the raw transition log in the same
transaction. Slow work is scheduled with ``on_commit``.
"""

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q

from audit.events import Kind, record

from . import notifications, processes, transitions
from .attachments import add_rows, cleanup_on_failure, supersede, write
from .models import Application, Decision, Party, State
from .processes import FilingRefused
from .transitions import AlreadyHandled, guarded, may, run

__all__ = ["AlreadyHandled", "ApplicationConflict", "FilingRefused", "available_actions", "may"]


class ApplicationConflict(Exception):
    """Another open application stands in the way: the person's (checked here under the person's row
    lock), or one a process allows only once at a time (its ``check_filing`` raises this)."""

    message = "该人员已有未办结的申请（待接收、审核中或已退回），请先办结或撤回后再提交。"

    def __init__(self, message: str | None = None):
        super().__init__(message or self.message)
        if message:
            self.message = message


def available_actions(application: Application, user) -> set[str]:
    """Transition names this user can run now; templates draw buttons from this and nothing else."""
    names = transitions.available_actions(application, user)
    if "approve_city" in names and _city_has_decided(application, user):
        names -= {"approve_city", "return_city"}
    return names


def _city_has_decided(application, user) -> bool:
    return any(
        d.round == application.round and d.city_id == user.city_id for d in application.decisions.all()
    )


def _lock(application_id: int) -> Application:
    return Application.objects.select_for_update().get(pk=application_id)


def _lock_person(person_id) -> None:
    """Serialise every filing about one person: the open-application check below runs under this lock."""
    if person_id is not None:
        person_model = Application._meta.get_field("person").related_model
        person_model.objects.select_for_update().filter(pk=person_id).first()


def _check_no_open_application(person_id, *, excluding=None) -> None:
    if person_id is None:
        return
    others = Application.objects.open().filter(person_id=person_id)
    if excluding is not None:
        others = others.exclude(pk=excluding)
    if others.exists():
        raise ApplicationConflict


def _check_operating(user) -> None:
    """A suspended (暂停) or closed (注销) institution neither files nor receives."""
    refusal = user.institution.refusal() if user.is_institution else ""
    if refusal:
        raise FilingRefused(refusal)


def _review_cities(application) -> set[int]:
    """The filer's city and, where someone must receive, the receiver's city (one review if the same)."""
    cities = {application.institution.city_id}
    if application.receiving_institution_id:
        cities.add(application.receiving_institution.city_id)
    return cities


@guarded
def file_application(application, user, *, scans_by_type: dict, on_saved=None) -> Application:
    """File and submit a process's application (built, unsaved, with its own fields) as ``user``'s
    institution; store its scans. ``on_saved(application)`` adds what needs the saved row.

    Refuses with ``PermissionDenied`` (not an institution), ``ApplicationConflict`` (the person has an
    open application) or ``FilingRefused`` (the process's rules), leaving nothing behind.
    """
    if not user.is_institution:
        raise PermissionDenied("申请由检测机构办理。")
    _check_operating(user)
    process = processes.for_model(type(application))
    application.type = process.type
    application.institution = user.institution
    application.created_by = user
    try:
        with cleanup_on_failure() as saved:
            written = write(scans_by_type, user=user, saved=saved)
            with transaction.atomic():
                _lock_person(application.person_id)
                _check_no_open_application(application.person_id)
                process.check_filing(user, application)
                application.subject_name = process.subject(application)
                application.save()
                application.cities.set(_review_cities(application))
                if on_saved:
                    on_saved(application)
                add_rows(written, application=application)
                # Transitions always run on the base row, so that the history is keyed by Application.
                filed = _lock(application.pk)
                run(filed, "submit", user, description="提交申请")
                notifications.moved(filed, State.DRAFT)
    except IntegrityError:
        # The partial unique index is the backstop where the row lock could not serialise the filings.
        _check_no_open_application(application.person_id)
        raise
    application.refresh_from_db()
    return application


def _run_with_scans(application_id: int, user, name: str, scans_by_type: dict, description: str, check=None):
    """Run transition ``name``; the uploaded scans supersede this party's current ones of the same types,
    which are kept (with their files) and marked as replaced in the round the transition leads to."""
    with cleanup_on_failure() as saved:
        written = write(scans_by_type, user=user, saved=saved)
        with transaction.atomic():
            application = _lock(application_id)
            if check:
                check(application)
            current = application.attachments.current().filter(type__in=list(scans_by_type))
            earlier = list(current.values_list("pk", flat=True))
            add_rows(written, application=application)
            # Refused (403 / 已被处理) → the transaction rolls back and cleanup removes the new files.
            before = application.state
            run(application, name, user, description=description() if callable(description) else description)
            notifications.moved(application, before)
            supersede(application.attachments.filter(pk__in=earlier), in_round=application.round)
    return application


def _changed_labels(detail, changes: dict) -> list[str]:
    """The verbose names of the fields ``changes`` really changes on ``detail``."""
    labels = []
    for name, value in changes.items():
        field = detail._meta.get_field(name)
        before = getattr(detail, field.attname)
        after = value.pk if hasattr(value, "_meta") else value
        if before != after:
            labels.append(str(field.verbose_name))
    return labels


def _correct(application: Application, detail, user, changes: dict) -> list[str]:
    """Apply a correction's field ``changes`` to the locked ``application`` (and its process row) after the
    process's filing rules accept them; returns the labels of what changed. A new receiver must accept
    afresh: the former receiver's scans are set aside as replaced."""
    changed = _changed_labels(detail, changes)
    parent_fields = {f.name for f in Application._meta.concrete_fields}
    new_receiver = (
        "receiving_institution" in changes
        and getattr(changes["receiving_institution"], "pk", None) != application.receiving_institution_id
    )
    for name, value in changes.items():
        setattr(detail, name, value)
        if name in parent_fields:
            setattr(application, name, value)
    application.process.check_filing(user, detail)
    own = {k: v for k, v in changes.items() if k not in parent_fields}
    if own:
        type(detail).objects.filter(pk=detail.pk).update(**own)
    application.subject_name = application.process.subject(detail)
    if new_receiver:
        application.receiver_accepted = False
        application.cities.set(_review_cities(application))
        receiver_types = [s.type for s in application.process.receiver_scans]
        application.attachments.current().filter(type__in=receiver_types).update(
            superseded_in_round=application.round + 1
        )
    return changed


@guarded
def resubmit(
    application_id: int, user, *, scans_by_type: dict, changes: dict | None = None, note: str = ""
) -> Application:
    """Resubmit a returned application (review starts again), under the same rules as filing it.
    ``changes`` are the corrected fields ({field name: value}, checked by the process's filing rules
    with the application as corrected); nothing is kept when they are refused."""
    changed: list[str] = []

    def check(application):
        transitions.check(application, "submit", user)  # 403, or 已被处理 before any rule is applied
        _check_operating(user)
        _lock_person(application.person_id)
        _check_no_open_application(application.person_id, excluding=application.pk)
        changed.extend(_correct(application, application.detail(), user, changes or {}))

    def describe():
        text = note or "修改后重新提交"
        return f"{text}（更正：{'、'.join(changed)}）" if changed else text

    return _run_with_scans(application_id, user, "submit", scans_by_type, describe, check)


@guarded
def correct_receipt(application_id: int, user, *, scans_by_type: dict) -> Application:
    """The receiver corrects its part of a returned transfer (new scans replace its own of the same type;
    the others stay attached) and review starts again at the cities."""
    return _run_with_scans(application_id, user, "correct_receipt", scans_by_type, "调入机构更正后重新提交")


@guarded
def withdraw(application_id: int, user) -> Application:
    with transaction.atomic():
        application = _lock(application_id)
        run(application, "withdraw", user, description="申请单位撤回")
    return application


@guarded
def accept(application_id: int, user, *, scans_by_type: dict) -> Application:
    """接收: the receiving institution files its scans and municipal review starts."""
    return _run_with_scans(
        application_id, user, "accept", scans_by_type, "调入机构已接收", lambda _a: _check_operating(user)
    )


@guarded
def refuse(application_id: int, user, reason: str) -> Application:
    with transaction.atomic():
        application = _lock(application_id)
        run(application, "refuse", user, description=reason)
    return application


def refuse_closed_destination(destination) -> None:
    """Approval never places a person at an institution that is 暂停 or 注销: the reviewer returns it."""
    if destination is not None and not destination.operating:
        raise FilingRefused(
            f"{destination.name}已{destination.get_status_display()}，不能接收人员，本申请不能同意；请退回。"
        )


@guarded
def end_for_closed_institution(institution, user, reason: str) -> list[Application]:
    """In the transaction of the province's 注销 of ``institution``: end every open application it filed
    (已撤回) or that is addressed to it (已拒收 while 待接收, else 已撤回), each by the state machine with a
    history line naming the reason. Returns the applications ended."""
    ids = (
        Application.objects.open()
        .filter(Q(institution=institution) | Q(receiving_institution=institution))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    ended = []
    for pk in list(ids):
        application = _lock(pk)
        if application.institution_id == institution.pk:
            run(application, "withdraw_for_closed_institution", user, description=f"申请单位已注销：{reason}")
        elif application.state == State.PENDING_RECEIPT:
            run(application, "refuse_for_closed_receiver", user, description=f"调入机构已注销：{reason}")
        else:
            run(application, "withdraw_for_closed_institution", user, description=f"调入机构已注销：{reason}")
        ended.append(application)
    return ended


@guarded
def decide(
    application_id: int, user, outcome: str, opinion: str = "", *, client_address: str = "", party: str = ""
):
    """A reviewer's 同意 or 退回 at the application's current step (city or province), recorded as a
    ``Decision``; the province's 同意 applies the process's effect. A 退回 of an application with a
    receiver names whose part must change (``party``: 调出机构 or 调入机构; the filer's by default)."""
    if outcome not in Decision.Outcome.values:
        raise ValueError(outcome)
    opinion = (opinion or "").strip()
    if not opinion:
        raise ValueError("每项审核结论都须签署审核意见")
    if outcome == Decision.Outcome.RETURN:
        party = party or Party.FILER
        if party not in Party.values:
            raise ValueError(party)
    else:
        party = ""
    step = Decision.Step.CITY if user.is_city else Decision.Step.PROVINCE
    name = f"{outcome}_{step}"
    with transaction.atomic():
        application = _lock(application_id)
        transitions.check(application, name, user)
        if step == Decision.Step.CITY and _city_has_decided(application, user):
            raise AlreadyHandled
        if outcome == Decision.Outcome.APPROVE:
            refuse_closed_destination(application.process.destination(application))
        if party == Party.RECEIVER and not application.receiving_institution_id:
            party = Party.FILER
        try:
            with transaction.atomic():
                decision = Decision.objects.create(
                    application=application,
                    round=application.round,
                    step=step,
                    city_id=user.city_id if step == Decision.Step.CITY else None,
                    reviewer=user,
                    outcome=outcome,
                    opinion=opinion,
                    returned_to=party,
                    client_address=client_address[:64],
                )
        except IntegrityError as e:
            # Only the one-decision-per-office-and-round constraints can fail here: another
            # reviewer of the same office decided first where the row lock could not serialise.
            raise AlreadyHandled from e
        extra = {"party": party} if party else {}
        before = application.state
        run(application, name, user, description=decision.opinion, **extra)
        notifications.moved(application, before, decision)
        record(
            Kind.DECISION,
            user=user,
            obj=application,
            address=client_address,
            detail=f"{decision.step_label}：{decision.get_outcome_display()}。{decision.opinion}",
        )
        if application.state == State.APPROVED:
            application.process.apply(application.detail(), user)
    return application


def decree(application: Application, user, opinion: str, *, description: str = "", client_address: str = ""):
    """The province's own decision (草稿 → 已通过 at once), with its ``Decision``. The caller holds the
    application's row lock inside its transaction, records the audit row and applies the effect."""
    run(application, "decree", user, description=description or opinion)
    return Decision.objects.create(
        application=application,
        round=application.round,
        step=Decision.Step.PROVINCE,
        reviewer=user,
        outcome=Decision.Outcome.APPROVE,
        opinion=opinion,
        client_address=client_address[:64],
    )
