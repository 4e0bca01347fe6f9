import sys

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.forms import PasswordChangeForm
from django.db.models import Count, F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string

from audit.events import Kind, record
from certificates.models import Recovery
from credit.models import CreditRecord
from institutions.models import Qualification
from institutions.sessions import keep_only_this_session
from notices.organisations import key_of
from reviews.models import Application, application_rows
from stats import dashboard
from web.faults import busy_page, unavailable
from web.filters import InvalidQuery
from web.freshness import cached
from web.privacy import personal_data
from workdays import calendar
from workdays.deadlines import overdue_condition

from . import help


@personal_data
def home(request: HttpRequest) -> HttpResponse:
    """The landing page: what is waiting for this user, and qualifications about to expire; below them,
    the province's and each city's 统计分析 (read from the summary table: a few queries at any volume)."""
    user = request.user
    # Overdue first, then by due date; a returned application (no deadline: the filer corrects) last.
    waiting = Application.objects.waiting_for(user).order_by(
        F("due_on").asc(nulls_last=True), "submitted_at", "pk"
    )
    context = {"waiting": application_rows(waiting.rows()[:20])}
    # The rest changes only when an action commits or the day turns: kept per organisation and day.
    context.update(cached(f"home:{key_of(user)}:{calendar.today().isoformat()}", lambda: _reminders(user)))
    if dashboard.may_see(user):
        context["dashboard"] = dashboard.html_for(user)
        context["dashboard_scope"] = dashboard.scope_label(user)
    return render(request, "home.html", context)


def _reminders(user) -> dict:
    """What home shows besides the waiting list: how many are waiting and how many of them are overdue
    (已超期; a city counts thousands at provincial volume), qualifications about to expire, certificates
    to mail back and 不良 records to answer."""
    waiting = Application.objects.waiting_for(user)
    reminders = {
        "totals": waiting.aggregate(total=Count("pk"), overdue=Count("pk", filter=overdue_condition())),
        "expiring": [],
        "to_mail_back": [],
        "credit_records": list(CreditRecord.objects.to_answer(user).for_list()[:20]),
    }
    if user.is_province or user.is_city or user.is_institution:
        expiring = Qualification.objects.visible_to(user).expiring().select_related("institution")
        reminders["expiring"] = list(expiring[:5])
    if user.is_institution:
        to_mail_back = Recovery.objects.to_mail_back(user).select_related("certificate__holder")
        reminders["to_mail_back"] = list(to_mail_back.order_by("due_on", "pk")[:20])
    return reminders


def help_page(request: HttpRequest) -> HttpResponse:
    """帮助: the guide's steps for the user's role, with links to the real pages."""
    return render(request, "help.html", {"topics": help.topics_for(request.user)})


def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        if user.must_change_password:
            user.must_change_password = False
            user.save(update_fields=["must_change_password"])
        keep_only_this_session(request, user)
        record(Kind.PASSWORD_CHANGED, request=request, user=user)
        messages.success(request, "密码已修改。")
        return redirect("home")
    return render(
        request,
        "registration/password_change.html",
        {"form": form, "max_age_days": settings.PASSWORD_MAX_AGE_DAYS},
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a form sent with a stale or missing token (an old tab, an expired session) is told
    so in Chinese, instead of Django's English technical page."""
    return render(request, "403_csrf.html", status=403)


def bad_request(request: HttpRequest, exception) -> HttpResponse:
    """The 400 page; a refused query or input (``InvalidQuery``) says what was wrong, in Chinese."""
    message = str(exception) if isinstance(exception, InvalidQuery) else ""
    return render(request, "400.html", {"message": message}, status=400)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a service fault (database, bucket, cache) is the 503 系统繁忙 page; anything else the
    500 page. Both say, after a POST, to check the list before filing again. Neither touches the
    database (it may be what failed)."""
    exception = sys.exc_info()[1]
    if unavailable(exception):
        return busy_page(request, exception)
    after_post = request.method == "POST"
    return HttpResponse(render_to_string("500.html", {"after_post": after_post}), status=500)
