"""The application page (any process) and the POST-only actions on it."""

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.module_loading import import_string
from django.views.decorators.http import require_POST
from django_fsm_log.models import StateLog

from institutions import cities
from institutions.models import Institution
from web.limits import takes_files
from web.privacy import personal_data
from web.throttle import client_address
from workdays import deadlines

from .. import actions, transitions
from ..forms import DecisionForm, ReasonForm, scan_form
from ..models import Application, Attachment, Decision
from ..staging import scan_files
from .common import (
    count_probe,
    file_or_refuse,
    friendly_conflicts,
    probing_spent,
    subject_visible,
    visible_application,
    warn_greyscale,
)

NO_RIGHT = "您无权执行此操作。"
DECISION_TRANSITIONS = {"approve_city", "return_city", "approve_province", "return_province"}


@dataclass
class Entry:
    """One line of the 办理记录: a transition from the log, with its ``Decision`` when it was one, and
    the scans it replaced (a 重新提交 or 接收 that brought new scans of a type)."""

    log: StateLog
    decision: Decision | None = None
    replaced: list[Attachment] = field(default_factory=list)


def timeline(application: Application, attachments) -> list[Entry]:
    """Every transition in order; a decision's line shows the recorded ``Decision`` (office, opinion).

    Each decision ran exactly one decision transition in the same transaction, so the n-th decision
    log belongs to the n-th decision. Likewise the n-th submit starts round n, and within a round the
    filer's scans are replaced only by its submit, the receiver's only by its accept (or its correction,
    which starts a round too). A filer's correction that names a new receiver sets the former
    receiver's scans aside in the round it starts: they show under the new receiver's accept.
    """
    content_type = ContentType.objects.get_for_model(Application)  # cached by Django
    logs = list(
        StateLog.objects.filter(content_type=content_type, object_id=application.pk)
        .select_related("by")
        .order_by("timestamp", "pk")
    )
    _attach_actors_offices([log.by for log in logs if log.by is not None], application)
    process = application.process
    uploads = {
        "submit": {s.type for s in process.filer_scans},
        "accept": {s.type for s in process.receiver_scans},
        "correct_receipt": {s.type for s in process.receiver_scans},
    }
    decisions = iter(application.decisions.all())  # in decision order (Decision.Meta.ordering)
    entries, round_ = [], 0
    for log in logs:
        log.content_type = content_type  # its labels (get_state_display) read the model through it
        if log.transition in ("submit", "correct_receipt"):
            round_ += 1
        types = uploads.get(log.transition, ())
        replaced = [a for a in attachments if a.superseded_in_round == round_ and a.type in types]
        decision = next(decisions, None) if log.transition in DECISION_TRANSITIONS else None
        if decision is not None and decision.reviewer_id == log.by_id:
            decision.reviewer = log.by  # who decided ran the transition: read once, with the history
        entries.append(Entry(log, decision, replaced))
    return entries


def _attach_actors_offices(users, application) -> None:
    """Each user's institution or city, as ``select_related`` would join them: an institution that acts
    on an application is one of its parties, which the page has read; any other (a receiver that a
    correction replaced) is read in one query, cities from their table."""
    known = application.parties()
    missing = {u.institution_id for u in users if u.institution_id and u.institution_id not in known}
    if missing:
        known.update(Institution.objects.in_bulk(missing))
    for user in users:
        if user.institution_id:
            user.institution = known[user.institution_id]
        cities.attach(user)


def in_guide_order(attachments, process):
    """Attachments grouped by type in the order the process declares its scans (then any others),
    pages in order within a type."""
    declared = [s.type for s in process.filer_scans + process.receiver_scans]
    order = {value: i for i, value in enumerate(declared)}
    return sorted(
        attachments,
        key=lambda a: (
            order.get(a.type, len(order)),
            a.type,
            a.page is None,
            a.page or 0,
            a.original_name,
            a.pk,
        ),
    )


def by_round_replaced(attachments) -> list[tuple[int, list[Attachment]]]:
    """The superseded ones among ``attachments`` (kept in their order), by the round that replaced them,
    latest first."""
    rounds: dict[int, list[Attachment]] = {}
    for a in attachments:
        if a.superseded_in_round is not None:
            rounds.setdefault(a.superseded_in_round, []).append(a)
    return sorted(rounds.items(), reverse=True)


def correction_form(application, user, data=None, files=None):
    """The filer's correction of a returned application: the process's own filing form when it declares
    one (every field and scan), else its scans."""
    process = application.process
    if process.correction_form:
        form_class = import_string(process.correction_form)
        return form_class.correction_of(application.detail(), user, data, files)
    return scan_form(process.filer_scans, required=False)(data, files)


def last_return(application) -> Decision | None:
    """The decision that returned the application (what the reviewer asked for), while it is returned."""
    if application.state != "returned":
        return None
    returns = [d for d in application.decisions.all() if d.outcome == Decision.Outcome.RETURN]
    return returns[-1] if returns else None


def city_reviews(application):
    """[(city, this round's decision or None)] for every city that must approve."""
    decisions = {
        d.city_id: d
        for d in application.decisions.all()
        if d.round == application.round and d.step == Decision.Step.CITY
    }
    return [(city, decisions.get(city.pk)) for city in application.cities.all()]


@personal_data
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, visible_application(request.user, pk))


def _for_page(application):
    """The process's own row (an ``Application`` itself, by inheritance) with everything the page shows
    loaded in a few queries: parties, cities and decisions (their reviewers come with the history)."""
    # The cities come from their table (institutions.cities), not joined.
    application = (
        application.process.model.objects.select_related("institution", "receiving_institution", "person")
        .prefetch_related("cities", "decisions")
        .get(pk=application.pk)
    )
    cities.attach(application.institution)
    if application.receiving_institution is not None:
        cities.attach(application.receiving_institution)
    for decision in application.decisions.all():
        cities.attach(decision)
    return application


def _render_detail(request, application, status=None, **forms):
    process = application.process
    detail = application = _for_page(application)
    available = actions.available_actions(application, request.user)
    attachments = in_guide_order(application.attachments.all(), process)
    context = {
        "application": application,
        "process": process,
        "detail": detail,
        "available": available,
        "attachments": [a for a in attachments if a.superseded_in_round is None],
        "superseded": by_round_replaced(attachments),
        "timeline": timeline(application, attachments),
        "city_reviews": city_reviews(application),
        "subject_visible": subject_visible(application, request.user),
        "last_return": last_return(application),
        "step_limit": deadlines.limit(step) if (step := deadlines.step_of(application)) else None,
        "deadline_rows": [application],
        **process.summary(detail, request.user),
    }
    if available & {"approve_city", "approve_province"}:
        context["decision_form"] = forms.get("decision_form") or DecisionForm(
            parties=bool(application.receiving_institution_id)
        )
    if "accept" in available:
        context["accept_form"] = forms.get("accept_form") or scan_form(process.receiver_scans)()
        context["refuse_form"] = forms.get("refuse_form") or ReasonForm()
    if "submit" in available:
        context["resubmit_form"] = forms.get("resubmit_form") or correction_form(application, request.user)
    if "correct_receipt" in available:
        context["receipt_form"] = (
            forms.get("receipt_form") or scan_form(process.receiver_scans, required=False)()
        )
    status = status or (400 if forms else 200)
    return render(request, "reviews/application_detail.html", context, status=status)


@personal_data
@require_POST
@friendly_conflicts
def application_decide(request: HttpRequest, pk: int) -> HttpResponse:
    application = visible_application(request.user, pk)
    form = DecisionForm(request.POST, parties=bool(application.receiving_institution_id))
    if not actions.may(
        application, request.user, "approve_city" if request.user.is_city else "approve_province"
    ):
        raise PermissionDenied(NO_RIGHT)
    if not form.is_valid():
        return _render_detail(request, application, decision_form=form)
    decided = file_or_refuse(
        form,
        actions.decide,
        application.pk,
        request.user,
        form.cleaned_data["decision"],
        form.cleaned_data["opinion"],
        client_address=client_address(request),
        party=form.cleaned_data.get("party") or "",
    )
    if decided is None:  # the process's effect refused (e.g. a duplicate 人员备案): nothing changed
        return _render_detail(request, application, decision_form=form)
    verb = "同意" if form.cleaned_data["decision"] == "approve" else "退回"
    messages.success(request, f"已{verb}：{application}")
    return redirect("application_detail", pk=application.pk)


@require_POST
@friendly_conflicts
def application_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    application = visible_application(request.user, pk)
    actions.withdraw(application.pk, request.user)
    messages.success(request, "申请已撤回。")
    return redirect("application_detail", pk=application.pk)


@personal_data
@takes_files
@require_POST
@friendly_conflicts
def application_accept(request: HttpRequest, pk: int) -> HttpResponse:
    application = visible_application(request.user, pk)
    if not actions.may(application, request.user, "accept"):
        raise PermissionDenied(NO_RIGHT)
    form = scan_form(application.process.receiver_scans)(request.POST, scan_files(request))
    accepted = form.is_valid() and file_or_refuse(
        form, actions.accept, application.pk, request.user, scans_by_type=form.scans_by_type()
    )
    if not accepted:
        return _render_detail(request, application, accept_form=form)
    warn_greyscale(request, form)
    messages.success(request, "已接收，申请已进入市级审核。")
    return redirect("application_detail", pk=application.pk)


@personal_data
@require_POST
@friendly_conflicts
def application_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    application = visible_application(request.user, pk)
    if not actions.may(application, request.user, "refuse"):
        raise PermissionDenied(NO_RIGHT)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, application, refuse_form=form)
    actions.refuse(application.pk, request.user, form.cleaned_data["reason"])
    messages.success(request, "已拒收。")
    return redirect("application_detail", pk=application.pk)


@personal_data
@takes_files
@require_POST
@friendly_conflicts
def application_resubmit(request: HttpRequest, pk: int) -> HttpResponse:
    application = visible_application(request.user, pk)
    transitions.check(application, "submit", request.user)  # 403, or 409 when nothing was returned
    form = correction_form(application, request.user, request.POST, scan_files(request))
    if form.is_valid() and probing_spent(request, form):
        return _render_detail(request, application, resubmit_form=form, status=429)
    if form.is_valid():
        changes = form.corrections() if hasattr(form, "corrections") else {}
        file_or_refuse(
            form,
            actions.resubmit,
            application.pk,
            request.user,
            scans_by_type=form.scans_by_type(),
            changes=changes,
        )
        count_probe(request, form)
    if not form.is_valid():
        return _render_detail(request, application, resubmit_form=form)
    warn_greyscale(request, form)
    messages.success(request, "已重新提交，审核将重新开始。")
    return redirect("application_detail", pk=application.pk)


@personal_data
@takes_files
@require_POST
@friendly_conflicts
def application_correct_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    """The receiver's correction of its part after a 退回 that named 调入机构."""
    application = visible_application(request.user, pk)
    transitions.check(application, "correct_receipt", request.user)
    form = scan_form(application.process.receiver_scans, required=False)(request.POST, scan_files(request))
    if not form.is_valid():
        return _render_detail(request, application, receipt_form=form)
    actions.correct_receipt(application.pk, request.user, scans_by_type=form.scans_by_type())
    warn_greyscale(request, form)
    messages.success(request, "已重新提交，审核将重新开始。")
    return redirect("application_detail", pk=application.pk)
