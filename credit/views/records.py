"""信用记录 (the list each role sees, recording conduct), 申诉, and a score explained line by line."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from reviews.staging import scan_files
from reviews.views.common import file_or_refuse, filed, friendly_conflicts
from web.exports import CHUNK, wants_xlsx, xlsx_response
from web.filters import read_filters
from web.limits import takes_files
from web.pages import paginate
from web.throttle import client_address

from ..appeals import file_appeal, may_appeal
from ..forms import AppealForm, RecordFilterForm, RecordForm
from ..models import CreditRecord, CreditScore, RecordStatus, Rule
from ..recording import record_conduct


def _filtered(request, records):
    filters = read_filters(request.GET, RecordFilterForm)
    records = records.search(filters["q"])
    if filters["nature"]:
        records = records.filter(nature=filters["nature"])
    if filters["status"] == RecordStatus.PENDING:
        records = records.filter(state="pending_province")
    elif filters["status"] == RecordStatus.IN_FORCE:
        records = records.in_force()
    return records, filters


def record_list(request: HttpRequest) -> HttpResponse:
    """信用记录: the province all, a city its city's, an institution those about it and its people."""
    records, filters = _filtered(request, CreditRecord.objects.visible_to(request.user).for_list())
    if wants_xlsx(request):
        return xlsx_response("信用记录", RECORD_COLUMNS, _record_rows(records))
    score = None
    if request.user.is_institution:
        score = CreditScore.objects.for_year().filter(institution_id=request.user.institution_id).first()
    context = {
        "page": paginate(request, records),
        "filters": filters,
        "score": score,
        "may_record": request.user.is_city or request.user.is_province,
    }
    return render(request, "credit/record_list.html", context)


RECORD_COLUMNS = [
    "编号",
    "对象",
    "名称",
    "所在机构",
    "市",
    "行为类别",
    "性质",
    "分值",
    "行为日期",
    "状态",
    "生效日期",
    "公示截止",
]


def _record_rows(records):
    for r in records.iterator(chunk_size=CHUNK):
        yield [
            r.pk,
            r.subject_label,
            r.subject_name,
            r.institution.name,
            r.institution.city.name,
            r.category.name,
            r.get_nature_display(),
            r.signed_points,
            r.conduct_date,
            r.status_label,
            r.effective_on,
            r.in_force_until,
        ]


@takes_files
@friendly_conflicts
@require_http_methods(["GET", "POST"])
def record_new(request: HttpRequest) -> HttpResponse:
    """新增信用记录: a city's goes to the province's 复核, the province's takes effect at once."""
    user = request.user
    if not (user.is_city or user.is_province):
        raise PermissionDenied("信用记录由省辖市建设行政主管部门或省质监总站记录。")
    form = RecordForm(request.POST or None, scan_files(request) or None, user=user)
    if request.method == "POST" and form.is_valid():
        credit_record = file_or_refuse(
            form,
            record_conduct,
            user,
            form.build(),
            form.scans_by_type(),
            client_address=client_address(request),
        )
        if credit_record:
            message = "信用记录已生效。" if user.is_province else "信用记录已提交，待省级复核。"
            return filed(request, form, credit_record, message)
    return render(request, "credit/record_form.html", {"form": form}, status=400 if form.errors else 200)


@takes_files
@friendly_conflicts
@require_http_methods(["GET", "POST"])
def appeal_new(request: HttpRequest, pk: int) -> HttpResponse:
    """提出申诉 against a record in force, by the institution it concerns."""
    credit_record = get_object_or_404(CreditRecord.objects.visible_to(request.user).for_list(), pk=pk)
    if not request.user.is_institution:
        raise PermissionDenied("申诉由信用记录涉及的检测机构提出。")
    form = AppealForm(request.POST or None, scan_files(request) or None)
    if not may_appeal(credit_record, request.user):
        form = None
    elif request.method == "POST" and form.is_valid():
        appeal = file_or_refuse(
            form, file_appeal, request.user, credit_record, form.cleaned_data["reason"], form.scans_by_type()
        )
        if appeal:
            return filed(request, form, appeal, "申诉已提交，待省级复核。")
    context = {"form": form, "record": credit_record, "records": [credit_record]}
    return render(request, "credit/appeal_form.html", context, status=400 if form and form.errors else 200)


def score_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A score explained line by line: the rule's base, each record in force, the bounds, the grade."""
    score = get_object_or_404(
        CreditScore.objects.visible_to(request.user).select_related("institution__city", "person"), pk=pk
    )
    context = {"score": score, "rule": Rule.current(), "today": timezone.localdate()}
    return render(request, "credit/score_detail.html", context)
