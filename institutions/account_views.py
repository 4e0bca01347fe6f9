"""系统管理 → 账号管理: the province lists, opens, disables, re-enables and resets the logins of cities and
institutions; every other role is refused (403) on every page and action."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from audit.models import AuditEvent
from audit.models import Kind as EventKind
from web.exports import CHUNK, wants_xlsx, xlsx_response
from web.filters import read_filters
from web.pages import paginate
from web.privacy import personal_data

from . import accounts
from .forms import AccountFilterForm, AccountForm, ContactForm
from .models import User

COLUMNS = [
    "用户名",
    "角色",
    "单位",
    "所在市",
    "姓名",
    "手机",
    "状态",
    "首次登录须修改密码",
    "最近登录",
    "创建时间",
]


def _province_only(user) -> None:
    if not user.is_province:
        raise PermissionDenied("只有省质监总站可以管理账号。")


def _managed(pk: int) -> User:
    return get_object_or_404(accounts.managed_accounts(), pk=pk)


@personal_data
def account_list(request: HttpRequest) -> HttpResponse:
    _province_only(request.user)
    filters = read_filters(request.GET, AccountFilterForm)
    users = accounts.managed_accounts().select_related("city", "institution__city")
    if filters["q"]:
        q = filters["q"].strip()
        users = users.filter(
            Q(username__icontains=q)
            | Q(full_name__icontains=q)
            | Q(institution__name__icontains=q)
            | Q(city__name__icontains=q)
        )
    if filters["role"]:
        users = users.filter(role=filters["role"])
    if filters["city"]:
        city = filters["city"]
        users = users.filter(Q(city=city) | Q(institution__city=city))
    if filters["status"]:
        users = users.filter(is_active=filters["status"] == "active")
    users = users.order_by("username", "pk")
    if wants_xlsx(request):
        return xlsx_response("账号管理", COLUMNS, _rows(users))
    form = AccountFilterForm(request.GET)
    form.is_valid()
    return render(request, "institutions/account_list.html", {"form": form, "page": paginate(request, users)})


def _city_of(user) -> str:
    city = user.city if user.is_city else user.institution.city
    return city.name


def _rows(users):
    for u in users.iterator(chunk_size=CHUNK):
        yield [
            u.username,
            u.get_role_display(),
            u.scope_label,
            _city_of(u),
            u.full_name,
            u.phone,
            "正常" if u.is_active else "已停用",
            "是" if u.must_change_password else "否",
            timezone.localtime(u.last_login).replace(tzinfo=None) if u.last_login else "",
            timezone.localtime(u.date_joined).replace(tzinfo=None),
        ]


@personal_data
def account_new(request: HttpRequest) -> HttpResponse:
    _province_only(request.user)
    form = AccountForm(request.POST or None, initial={"role": User.Role.INSTITUTION})
    if request.method == "POST" and form.is_valid():
        user = accounts.create_account(request.user, request=request, **form.cleaned_data)
        messages.success(
            request, f"已新增登录账号 {user.username}（{user.scope_label}），首次登录须修改初始密码。"
        )
        return redirect("account_detail", pk=user.pk)
    return render(
        request, "institutions/account_new.html", {"form": form}, status=400 if form.errors else 200
    )


def history(user):
    """Every audit event about this account: changes by the province, and its own password changes."""
    return AuditEvent.objects.filter(
        Q(object_type=User._meta.label_lower, object_id=str(user.pk))
        | Q(kind=EventKind.PASSWORD_CHANGED, user_id=user.pk)
    ).order_by("-at", "-pk")


@personal_data
def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _province_only(request.user)
    user = _managed(pk)
    form = ContactForm(request.POST or None, initial={"full_name": user.full_name, "phone": user.phone})
    if request.method == "POST" and form.is_valid():
        accounts.update_contact(request.user, user, request=request, **form.cleaned_data)
        messages.success(request, "已保存姓名和手机。")
        return redirect("account_detail", pk=user.pk)
    context = {"account": user, "form": form, "events": history(user)[:200]}
    return render(request, "institutions/account_detail.html", context, status=400 if form.errors else 200)


@require_POST
def account_disable(request: HttpRequest, pk: int) -> HttpResponse:
    _province_only(request.user)
    user = _managed(pk)
    accounts.disable_account(request.user, user, request=request)
    messages.success(request, f"已停用登录账号 {user.username}，其登录已全部结束。")
    return redirect("account_detail", pk=user.pk)


@require_POST
def account_enable(request: HttpRequest, pk: int) -> HttpResponse:
    _province_only(request.user)
    user = _managed(pk)
    accounts.enable_account(request.user, user, request=request)
    messages.success(request, f"已启用登录账号 {user.username}。")
    return redirect("account_detail", pk=user.pk)


@require_POST
@personal_data
def account_reset(request: HttpRequest, pk: int) -> HttpResponse:
    """The one-time password is shown on this response only (not stored, not in a redirect or a message)."""
    _province_only(request.user)
    user = _managed(pk)
    password = accounts.reset_password(request.user, user, request=request)
    return render(request, "institutions/account_reset.html", {"account": user, "password": password})
