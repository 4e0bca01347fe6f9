"""The request page (any type) and the POST-only actions on it."""

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django_fsm_log.models import StateLog

from .. import actions
from ..forms import DecisionForm, ReasonForm, scan_form
from ..models import AttachmentType, Request
from .common import friendly_conflicts, visible_request

NO_RIGHT = "您无权执行此操作。"


def timeline(request_obj: Request):
    return (
        StateLog.objects.filter(
            content_type=ContentType.objects.get_for_model(Request), object_id=request_obj.pk
        )
        .select_related("content_type", "by__city", "by__institution")
        .order_by("timestamp", "pk")
    )


def in_guide_order(attachments, detail):
    """Attachments grouped by type in the order the process lists its scans (then any others),
    pages in order within a type."""
    declared = [t for t, _ in detail.FILER_SCANS + detail.RECEIVER_SCANS]
    types = declared + [t for t in AttachmentType.values if t not in declared]
    order = {value: i for i, value in enumerate(types)}
    return sorted(
        attachments, key=lambda a: (order[a.type], a.page is None, a.page or 0, a.original_name, a.pk)
    )


def city_reviews(req):
    """[(city, this round's approval or None)] for every city that must approve."""
    approvals = {a.city_id: a for a in req.approvals.filter(round=req.round)}
    return [(city, approvals.get(city.pk)) for city in req.cities.all()]


def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, visible_request(request.user, pk))


def _render_detail(request, req, **forms):
    detail = req.detail()
    available = actions.available_actions(req, request.user)
    context = {
        "req": req,
        "detail": detail,
        "available": available,
        "attachments": in_guide_order(req.attachments.all(), detail),
        "timeline": timeline(req),
        "city_reviews": city_reviews(req),
        **detail.summary_context(request.user),
    }
    if available & {"approve_city", "approve_province"}:
        context["decision_form"] = forms.get("decision_form") or DecisionForm()
    if "accept" in available:
        context["accept_form"] = forms.get("accept_form") or scan_form(detail.RECEIVER_SCANS)()
        context["refuse_form"] = forms.get("refuse_form") or ReasonForm()
    if "submit" in available:
        context["resubmit_form"] = (
            forms.get("resubmit_form") or scan_form(detail.FILER_SCANS, required=False)()
        )
    status = 400 if forms else 200
    return render(request, "reviews/request_detail.html", context, status=status)


@require_POST
@friendly_conflicts
def request_decide(request: HttpRequest, pk: int) -> HttpResponse:
    req = visible_request(request.user, pk)
    form = DecisionForm(request.POST)
    if not actions.may(req, request.user, "approve_city" if request.user.is_city else "approve_province"):
        raise PermissionDenied(NO_RIGHT)
    if not form.is_valid():
        return _render_detail(request, req, decision_form=form)
    actions.decide(req.pk, request.user, form.cleaned_data["decision"], form.cleaned_data["opinion"])
    verb = "同意" if form.cleaned_data["decision"] == "approve" else "退回"
    messages.success(request, f"已{verb}：{req}")
    return redirect("request_detail", pk=req.pk)


@require_POST
@friendly_conflicts
def request_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    req = visible_request(request.user, pk)
    actions.withdraw(req.pk, request.user)
    messages.success(request, "申请已撤回。")
    return redirect("request_detail", pk=req.pk)


@require_POST
@friendly_conflicts
def request_accept(request: HttpRequest, pk: int) -> HttpResponse:
    req = visible_request(request.user, pk)
    if not actions.may(req, request.user, "accept"):
        raise PermissionDenied(NO_RIGHT)
    form = scan_form(req.detail().RECEIVER_SCANS)(request.POST, request.FILES)
    if not form.is_valid():
        return _render_detail(request, req, accept_form=form)
    actions.accept(req.pk, request.user, scans_by_type=form.scans_by_type())
    _warn(request, form)
    messages.success(request, "已接收，申请已进入市级审核。")
    return redirect("request_detail", pk=req.pk)


@require_POST
@friendly_conflicts
def request_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    req = visible_request(request.user, pk)
    if not actions.may(req, request.user, "refuse"):
        raise PermissionDenied(NO_RIGHT)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, req, refuse_form=form)
    actions.refuse(req.pk, request.user, form.cleaned_data["reason"])
    messages.success(request, "已拒收。")
    return redirect("request_detail", pk=req.pk)


@require_POST
@friendly_conflicts
def request_resubmit(request: HttpRequest, pk: int) -> HttpResponse:
    req = visible_request(request.user, pk)
    if not actions.may(req, request.user, "submit"):
        raise PermissionDenied(NO_RIGHT)
    form = scan_form(req.detail().FILER_SCANS, required=False)(request.POST, request.FILES)
    if not form.is_valid():
        return _render_detail(request, req, resubmit_form=form)
    actions.resubmit(req.pk, request.user, scans_by_type=form.scans_by_type())
    _warn(request, form)
    messages.success(request, "已重新提交，审核将重新开始。")
    return redirect("request_detail", pk=req.pk)


def _warn(request, form):
    for warning in form.scan_warnings:
        messages.warning(request, warning)
