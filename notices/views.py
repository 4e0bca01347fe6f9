"""消息: a login's own messages (unread first), opening one (marks it read, then its page), 全部标为已读,
and the organisation's e-mail address for the daily digest."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from web.filters import read_filters
from web.pages import paginate
from web.privacy import personal_data

from . import actions, organisations
from .forms import EmailForm, NoticeFilterForm
from .models import Recipient


def _with_role(user) -> None:
    if not organisations.key_of(user):
        raise PermissionDenied("您无权查看消息。")


@personal_data
def notice_list(request: HttpRequest) -> HttpResponse:
    _with_role(request.user)
    show = read_filters(request.GET, NoticeFilterForm)["show"]
    copies = Recipient.objects.visible_to(request.user).select_related("notice").order_by("-unread", "-pk")
    if show == "unread":
        copies = copies.unread()
    key = organisations.key_of(request.user)
    context = {
        "page": paginate(request, copies),
        "show": show,
        "email": organisations.email_addresses([key]).get(key, ""),
        "may_set_email": not request.user.is_province,
    }
    return render(request, "notices/notice_list.html", context)


@require_POST
def notice_open(request: HttpRequest, pk: int) -> HttpResponse:
    """One click: the message is read (by this login only) and its page opens. Only an internal path is
    followed; anything else (never written by ``notify``) lands on the list."""
    _with_role(request.user)
    copy = get_object_or_404(Recipient.objects.visible_to(request.user).select_related("notice"), pk=pk)
    actions.mark_read(copy)
    url = copy.notice.url
    internal = url.startswith("/") and not url.startswith(("//", "/\\"))
    if internal and url_has_allowed_host_and_scheme(url, allowed_hosts=None):
        return redirect(url)
    return redirect("notice_list")


@require_POST
def notice_read_all(request: HttpRequest) -> HttpResponse:
    _with_role(request.user)
    marked = actions.mark_all_read(request.user)
    messages.success(request, f"已将 {marked} 条消息标为已读。" if marked else "没有未读消息。")
    return redirect("notice_list")


@require_POST
def notice_email(request: HttpRequest) -> HttpResponse:
    """The organisation's own address for the digest (an institution's or a city's; the province's is
    the ``PROVINCE_EMAIL`` setting)."""
    _with_role(request.user)
    if request.user.is_province:
        raise PermissionDenied("省质监总站的接收邮箱由系统配置 PROVINCE_EMAIL 设置。")
    form = EmailForm(request.POST)
    if not form.is_valid():
        messages.error(request, "电子邮箱格式不正确，请检查后重新填写。")
        return redirect("notice_list")
    email = actions.set_email(request.user, form.cleaned_data["email"], request=request)
    messages.success(request, f"接收消息的电子邮箱已改为 {email}。" if email else "已取消邮件通知。")
    if email and not settings.EMAIL_HOST:
        messages.info(request, "系统尚未配置邮件服务器，配置后开始发送。")
    return redirect("notice_list")
