from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from web.exports import CHUNK, wants_xlsx, xlsx_response
from web.filters import SearchForm, read_filters
from web.pages import paginate
from web.privacy import personal_data

from . import second_factor
from .accounts import create_institution, unlock_login
from .forms import NewInstitutionForm
from .lockout import locked_accounts, locked_addresses
from .models import Institution, Qualification, User
from .modules import module_context


@personal_data
def institution_info(request: HttpRequest, module: str) -> HttpResponse:
    """机构诚信管理 → 基本信息: an institution's own record; reviewers get the institutions in scope."""
    context = module_context(request.user, module)
    if request.user.is_institution:
        return _render_detail(request, request.user.institution_id, context)
    q = read_filters(request.GET, SearchForm)["q"]
    institutions = (
        Institution.objects.visible_to(request.user)
        .holding(context["kind"])
        .select_related("city")
        .prefetch_related("qualifications")
        .order_by("city__order", "name", "pk")
    )
    if q:
        institutions = institutions.filter(Q(name__icontains=q) | Q(credit_code__iexact=q.upper()))
    if wants_xlsx(request):  # a few thousand institutions at most: always at once
        title = f"检测机构-{context['module_title']}"
        return xlsx_response(title, INSTITUTION_COLUMNS, _institution_rows(institutions))
    context.update(page=paginate(request, institutions), q=q, may_create=request.user.is_province)
    return render(request, "institutions/institution_list.html", context)


INSTITUTION_COLUMNS = ["机构名称", "统一社会信用代码", "所在市", "资质", "状态"]


def _institution_rows(institutions):
    for i in institutions.iterator(chunk_size=CHUNK):
        kinds = "、".join(q.get_kind_display() for q in i.qualifications.all())
        yield [i.name, i.credit_code, i.city.name, kinds, i.get_status_display()]


@personal_data
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
    context.update(
        institution=institution,
        people_count=institution.people.count(),
        may_file=may_file,
        status_actions=institution.status_actions(request.user),
    )
    return render(request, "institutions/institution_detail.html", context)


@personal_data
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


@personal_data
def login_security(request: HttpRequest) -> HttpResponse:
    """登录安全: the accounts and addresses locked now for too many failed logins."""
    _province_only(request.user)
    return render(
        request,
        "institutions/login_security.html",
        {
            "accounts": locked_accounts(),
            "enrolled": User.objects.filter(totpdevice__confirmed=True).distinct().order_by("username"),
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


@require_POST
def otp_reset(request: HttpRequest) -> HttpResponse:
    """登录安全 → 重置两步验证: the user enrols again (e.g. after losing the phone and the codes)."""
    _province_only(request.user)
    user = get_object_or_404(User, username=request.POST.get("username", ""))
    second_factor.reset_second_factor(request.user, user)
    messages.success(request, f"已重置账号 {user.username} 的两步验证。")
    return redirect("login_security")


PENDING_KEY = "second_factor_key"
RECOVERY_CODES_KEY = "second_factor_recovery_codes"


@personal_data
def otp_setup(request: HttpRequest) -> HttpResponse:
    """两步验证: scan the QR code (or type the secret) into an authenticator app, then confirm with a code."""
    user = request.user
    if second_factor.enrolled(user) and not user.is_verified():
        return redirect("otp_verify")
    key = request.session.setdefault(PENDING_KEY, second_factor.new_key())
    error = ""
    if request.method == "POST":
        codes = second_factor.enrol(request, key, request.POST.get("code", "").strip())
        if codes is not None:
            del request.session[PENDING_KEY]
            request.session[RECOVERY_CODES_KEY] = codes
            return redirect("otp_recovery_codes")
        error = "验证码不正确，请核对手机时间后输入身份验证器上当前显示的 6 位数字。"
    device = second_factor.device_for(user, key)
    context = {
        "qr_svg": second_factor.qr_svg(device),
        "secret": second_factor.secret(device),
        "enrolled": second_factor.enrolled(user),
        "required": second_factor.required_for(user),
        "error": error,
    }
    return render(request, "registration/otp_setup.html", context, status=400 if error else 200)


@personal_data
def otp_recovery_codes(request: HttpRequest) -> HttpResponse:
    """The 10 recovery codes, shown once right after enrolling: to print and keep."""
    codes = request.session.pop(RECOVERY_CODES_KEY, None)
    if not codes:
        return redirect("otp_setup")
    return render(request, "registration/otp_recovery_codes.html", {"codes": codes})


@personal_data
def otp_verify(request: HttpRequest) -> HttpResponse:
    """The second step of a login: the 6-digit code from the authenticator, or a recovery code."""
    if not second_factor.pending(request):
        return redirect("home")
    if not second_factor.enrolled(request.user):
        return redirect("otp_setup")
    error = ""
    if request.method == "POST":
        if second_factor.verify(request, request.POST.get("code", "")):
            target = request.GET.get("next", "")
            safe = url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure())
            return redirect(target if safe else "home")
        error = "验证码不正确或已使用（连续输错后须稍候再试），请重新输入。"
    return render(request, "registration/otp_verify.html", {"error": error}, status=400 if error else 200)


def qualification_expiring(request: HttpRequest) -> HttpResponse:
    """资质到期提醒: qualifications expired or expiring within 90 days, in the user's scope (an
    expired one counts as absent for the transfer rule)."""
    if not (request.user.is_province or request.user.is_city or request.user.is_institution):
        raise PermissionDenied("您无权查看。")
    qualifications = (
        Qualification.objects.visible_to(request.user).expiring().select_related("institution__city")
    )
    context = {"page": paginate(request, qualifications), "days": Qualification.EXPIRY_WARNING_DAYS}
    return render(request, "institutions/qualification_expiring.html", context)
