"""【诚信变更管理】: the institution's pages for transfers, reissues and cancellations."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from jiance.pages import paginate
from reviews.models import Request, RequestType
from reviews.views.common import filed, friendly_conflicts

from ..cancellation import file_cancellation
from ..forms import CancellationForm, ReissueForm, TransferForm
from ..reissue import file_reissue
from ..transfer import file_transfer

LIST_TITLES = {
    RequestType.TRANSFER: "人员变更调离",
    RequestType.REISSUE: "人员上岗证补办",
    RequestType.CANCELLATION: "人员注销",
}


def _institution_only(user):
    if not user.is_institution:
        raise PermissionDenied("该页面供检测机构使用。")


def change_list(request: HttpRequest, type: str) -> HttpResponse:
    """The institution's requests of one type: filed by it, or (transfers) addressed to it."""
    _institution_only(request.user)
    requests = (
        Request.objects.visible_to(request.user)
        .filter(type=type)
        .select_related("person", "institution", "receiving_institution")
        .order_by("-created_at", "-pk")
    )
    q = request.GET.get("q", "").strip()
    if q:
        requests = requests.filter(person__name__icontains=q)
    context = {"type": type, "title": LIST_TITLES[type], "page": paginate(request, requests), "q": q}
    return render(request, "certificates/change_list.html", context)


def transfer_list(request: HttpRequest) -> HttpResponse:
    return change_list(request, RequestType.TRANSFER)


def reissue_list(request: HttpRequest) -> HttpResponse:
    return change_list(request, RequestType.REISSUE)


def cancellation_list(request: HttpRequest) -> HttpResponse:
    return change_list(request, RequestType.CANCELLATION)


@friendly_conflicts
def transfer_new(request: HttpRequest) -> HttpResponse:
    """添加变更."""
    _institution_only(request.user)
    institution = request.user.institution
    form = TransferForm(request.POST or None, request.FILES or None, institution=institution)
    if request.method == "POST" and form.is_valid():
        transfer = file_transfer(
            request.user,
            form.cleaned_data["person"],
            form.cleaned_data["receiving_institution"],
            form.scans_by_type(),
        )
        return filed(request, form, transfer, "已提交，等待调入机构接收。")
    return render(
        request, "certificates/transfer_form.html", {"form": form}, status=400 if form.errors else 200
    )


@friendly_conflicts
def reissue_new(request: HttpRequest) -> HttpResponse:
    """添加补办."""
    _institution_only(request.user)
    form = ReissueForm(request.POST or None, request.FILES or None, institution=request.user.institution)
    if request.method == "POST" and form.is_valid():
        reissue = file_reissue(
            request.user, form.cleaned_data["certificates"], form.cleaned_data["reason"], form.scans_by_type()
        )
        return filed(request, form, reissue, "补办申请已提交，等待市级审核。")
    return _render_form(request, form, "添加补办", "reissue_list")


@friendly_conflicts
def cancellation_new(request: HttpRequest) -> HttpResponse:
    """添加注销."""
    _institution_only(request.user)
    form = CancellationForm(request.POST or None, request.FILES or None, institution=request.user.institution)
    if request.method == "POST" and form.is_valid():
        cancellation = file_cancellation(
            request.user,
            form.cleaned_data["certificates"],
            form.cleaned_data["reason"],
            form.cleaned_data["holder_agrees"],
            form.scans_by_type(),
        )
        return filed(request, form, cancellation, "注销申请已提交，等待市级初审。")
    return _render_form(request, form, "添加注销", "cancellation_list")


def _render_form(request, form, title, list_url):
    context = {
        "form": form,
        "title": title,
        "list_url": list_url,
        "list_title": LIST_TITLES[form.request_type],
    }
    return render(request, "certificates/request_form.html", context, status=400 if form.errors else 200)
