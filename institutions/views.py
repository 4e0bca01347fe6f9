from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from web.pages import paginate

from .accounts import create_institution, unlock_login
from .forms import NewInstitutionForm
from .lockout import locked_accounts, locked_addresses
from .models import Institution
from .modules import module_context


def institution_info(request: HttpRequest, module: str) -> HttpResponse:
    """机构诚信管理 → 基本信息: an institution's own record; reviewers get the institutions in scope."""
    context = module_context(request.user, module)
    if request.user.is_institution:
        return _render_detail(request, request.user.institution_id, context)
    q = request.GET.get("q", "").strip()
    institutions = (
        Institution.objects.visible_to(request.user)
        .holding(context["kind"])
        .select_related("city")
        .prefetch_related("qualifications")
        .order_by("city__order", "name", "pk")
    )
    if q:
        institutions = institutions.filter(Q(name__icontains=q) | Q(credit_code__iexact=q.upper()))
    context.update(page=paginate(request, institutions), q=q, may_create=request.user.is_province)
    return render(request, "institutions/institution_list.html", context)


def institution_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, pk, {})


def _render_detail(request, pk, context):
    institution = get_object_or_404(
        Institution.objects.visible_to(request.user)
        .select_related("city")
        .prefetch_related("qualifications__scans", "capabilities"),
        pk=pk,
    )
    may_file = request.user.is_institution and request.user.institution_id == institution.pk
    context.update(institution=institution, people_count=institution.people.count(), may_file=may_file)
    return render(request, "institutions/institution_detail.html", context)


def institution_new(request: HttpRequest) -> HttpResponse:
    """新增检测机构: the province opens an institution and its login."""
    if not request.user.is_province:
        raise PermissionDenied("只有省质监总站可以新增检测机构。")
    form = NewInstitutionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        institution = create_institution(request.user, **form.cleaned_data)
        messages.success(
            request,
            f"已新增检测机构“{institution.name}”（筹建），登录用户名 {form.cleaned_data['username']}。",
        )
        return redirect("institution_detail", pk=institution.pk)
    return render(request, "institutions/new.html", {"form": form}, status=400 if form.errors else 200)


def _province_only(user) -> None:
    if not user.is_province:
        raise PermissionDenied("只有省质监总站可以管理登录安全。")


def login_security(request: HttpRequest) -> HttpResponse:
    """登录安全: the accounts and addresses locked now for too many failed logins."""
    _province_only(request.user)
    return render(
        request,
        "institutions/login_security.html",
        {
            "accounts": locked_accounts(),
            "addresses": locked_addresses(),
            "account_limit": settings.LOGIN_FAILURES_PER_ACCOUNT,
            "address_limit": settings.LOGIN_FAILURES_PER_ADDRESS,
            "minutes": settings.LOGIN_LOCK_MINUTES,
        },
    )


@require_POST
def login_unlock(request: HttpRequest) -> HttpResponse:
    _province_only(request.user)
    username = request.POST.get("username", "").strip()
    address = request.POST.get("address", "").strip()
    if unlock_login(request.user, username=username, address=address):
        messages.success(request, f"已解锁{'账号 ' + username if username else '地址 ' + address}。")
    else:
        messages.info(request, "没有需要解锁的记录（可能已自动解锁）。")
    return redirect("login_security")
