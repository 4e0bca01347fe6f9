"""【诚信变更管理】: the institution's pages for transfers, reissues and cancellations."""

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from jobs.exports import Export, export_response, export_source
from notices.organisations import key_of
from reviews import processes
from reviews.models import Application, application_rows
from reviews.processes import Process
from reviews.staging import scan_files
from reviews.views.common import file_or_refuse, filed, friendly_conflicts
from web.exports import CHUNK, wants_xlsx
from web.filters import SearchForm, read_filters
from web.limits import takes_files
from web.pages import count_key, paginate
from web.privacy import personal_data
from workdays import calendar
from workdays.deadlines import DEADLINE_FILTERS

from ..cancellation import CANCELLATION, file_cancellation
from ..forms import CancellationForm, ReissueForm, TransferForm
from ..reissue import REISSUE, file_reissue
from ..transfer import TRANSFER, file_transfer


def _institution_only(user):
    if not user.is_institution:
        raise PermissionDenied("该页面供检测机构使用。")


class ChangeFilterForm(SearchForm):
    due = forms.ChoiceField(label="办理时限", choices=DEADLINE_FILTERS, required=False)


def _changes(user, query, process: Process):
    _institution_only(user)
    filters = read_filters(query, ChangeFilterForm)
    q, due = filters["q"], filters["due"]
    applications = Application.objects.visible_to(user).filter(type=process.type)
    if q:
        applications = applications.filter(subject_name__icontains=q)
    if due:  # the open ones by deadline: overdue first, then by due date
        applications = applications.by_deadline(due).order_by("due_on", "pk")
    else:
        applications = applications.order_by("-created_at", "-pk")
    return applications, q, due


CHANGE_COLUMNS = [
    "编号",
    "姓名",
    "涉及模块",
    "调出机构",
    "调入机构",
    "状态",
    "提交时间",
    "办理期限",
    "剩余工作日",
]


def _change_rows(applications):
    for a in applications.iterator(chunk_size=CHUNK):
        modules = "、".join(label for on, label in ((a.module_jc, "建材"), (a.module_dj, "地基")) if on)
        yield [
            a.pk,
            a.subject_name,
            modules,
            a.institution.name,
            a.receiving_institution.name if a.receiving_institution else "",
            a.get_state_display(),
            timezone.localtime(a.submitted_at).replace(tzinfo=None) if a.submitted_at else "",
            a.due_on or "",
            a.days_left if a.days_left is not None else "",
        ]


@export_source
def changes_export(user, query, type):
    process = processes.get(type)
    applications = _changes(user, query, process)[0].select_related("institution", "receiving_institution")
    return Export(process.label, CHANGE_COLUMNS, applications, _change_rows)


def change_list(request: HttpRequest, process: Process) -> HttpResponse:
    """The institution's applications of one process: filed by it, or (transfers) addressed to it."""
    if wants_xlsx(request):
        return export_response(request, changes_export, type=process.type)
    applications, q, due = _changes(request.user, request.GET, process)
    context = {
        "type": process.type,
        "title": process.label,
        "page": paginate(
            request,
            applications,
            # Applications are filed and move on only by transitions; 已超期 / 即将到期 change with the day.
            count_key=count_key(
                "changes", key_of(request.user), process.type, q, due, calendar.today().isoformat()
            ),
            shown=lambda rows: rows.annotate(person_name=F("person__name")).rows("person_name", "created_at"),
            wrap=application_rows,
        ),
        "q": q,
        "due": due,
        "due_filters": DEADLINE_FILTERS,
    }
    return render(request, "certificates/change_list.html", context)


@personal_data
def transfer_list(request: HttpRequest) -> HttpResponse:
    return change_list(request, TRANSFER)


@personal_data
def reissue_list(request: HttpRequest) -> HttpResponse:
    return change_list(request, REISSUE)


@personal_data
def cancellation_list(request: HttpRequest) -> HttpResponse:
    return change_list(request, CANCELLATION)


@personal_data
@takes_files
@friendly_conflicts
def transfer_new(request: HttpRequest) -> HttpResponse:
    """添加变更."""
    _institution_only(request.user)
    form = TransferForm(
        request.POST or None,
        scan_files(request) or None,
        institution=request.user.institution,
        search=_person_search(request),
    )
    if request.method == "POST" and form.is_valid():
        transfer = file_or_refuse(
            form,
            file_transfer,
            request.user,
            form.cleaned_data["person"],
            form.cleaned_data["receiving_institution"],
            form.scans_by_type(),
        )
        if transfer:
            return filed(request, form, transfer, "已提交，等待调入机构接收。")
    return render(
        request, "certificates/transfer_form.html", {"form": form}, status=400 if form.errors else 200
    )


@personal_data
@takes_files
@friendly_conflicts
def reissue_new(request: HttpRequest) -> HttpResponse:
    """添加补办."""
    _institution_only(request.user)
    form = ReissueForm(
        request.POST or None,
        scan_files(request) or None,
        institution=request.user.institution,
        search=_person_search(request),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        reissue = file_or_refuse(
            form, file_reissue, request.user, data["certificates"], data["reason"], form.scans_by_type()
        )
        if reissue:
            return filed(request, form, reissue, "补办申请已提交，等待市级审核。")
    return _render_form(request, form, "添加补办", "reissue_list")


@personal_data
@takes_files
@friendly_conflicts
def cancellation_new(request: HttpRequest) -> HttpResponse:
    """添加注销."""
    _institution_only(request.user)
    form = CancellationForm(
        request.POST or None,
        scan_files(request) or None,
        institution=request.user.institution,
        search=_person_search(request),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        cancellation = file_or_refuse(
            form,
            file_cancellation,
            request.user,
            data["certificates"],
            data["reason"],
            data["holder_agrees"],
            form.scans_by_type(),
        )
        if cancellation:
            return filed(request, form, cancellation, "注销申请已提交，等待市级初审。")
    return _render_form(request, form, "添加注销", "cancellation_list")


def _person_search(request) -> str:
    """查找人员 on a filing form: what the filer typed (the form offers what it finds)."""
    return " ".join(request.GET.get("q", "").split())[:50]


def _render_form(request, form, title, list_url):
    context = {"form": form, "title": title, "list_url": list_url, "list_title": form.process.label}
    return render(request, "certificates/application_form.html", context, status=400 if form.errors else 200)
