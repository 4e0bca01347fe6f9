"""【诚信变更管理】: the institution's pages for transfers, reissues and cancellations."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from jiance.pages import paginate
from reviews.models import Request, RequestType
from reviews.views.common import friendly_conflicts

from ..forms import TransferForm
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
    mine = request.user.institution_id
    requests = (
        Request.objects.visible_to(request.user)
        .filter(type=type)
        .filter(Q(institution_id=mine) | Q(receiving_institution_id=mine))
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
        for warning in form.scan_warnings:
            messages.warning(request, warning)
        messages.success(request, "已提交，等待调入机构接收。")
        return redirect("request_detail", pk=transfer.pk)
    return render(
        request, "certificates/transfer_form.html", {"form": form}, status=400 if form.errors else 200
    )
