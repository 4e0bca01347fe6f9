"""Reviewer queues (审核 → 人员变更审批 …): 待审核 / 已审核, by module, process, city and age."""

from datetime import datetime, time, timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from institutions import cities as city_table
from institutions.models import City
from institutions.modules import module_context
from jobs.exports import Export, export_response, export_source
from notices.organisations import key_of
from web.exports import CHUNK, wants_xlsx
from web.filters import read_filters
from web.pages import count_key, paginate
from web.privacy import personal_data
from workdays import calendar
from workdays.deadlines import DEADLINE_FILTERS

from .. import processes
from ..forms import AGES, QueueFilterForm
from ..models import Application, Decision, application_rows, name_cities

QUEUE_COLUMNS = [
    "编号",
    "类型",
    "姓名",
    "申请机构",
    "接收机构",
    "涉及的市",
    "状态",
    "提交时间",
    "办理期限",
    "剩余工作日",
    "最近审核环节",
    "审核结论",
    "审核意见",
    "审核时间",
]


def _local(moment):
    return timezone.localtime(moment).replace(tzinfo=None) if moment else ""


def _queue_rows(applications):
    for a in applications.iterator(chunk_size=CHUNK):
        decisions = list(a.decisions.all())  # prefetched, in order; a QuerySet refuses [-1]
        last = decisions[-1] if decisions else None
        yield [
            a.pk,
            a.get_type_display(),
            a.subject_name,
            a.institution.name,
            a.receiving_institution.name if a.receiving_institution else "",
            a.city_names,
            a.get_state_display(),
            _local(a.submitted_at),
            a.due_on or "",
            a.days_left if a.days_left is not None else "",
            last.step_label if last else "",
            last.get_outcome_display() if last else "",
            last.opinion if last else "",
            _local(last.decided_at) if last else "",
        ]


def _queue(user, query, module, type):
    if not user.is_reviewer:
        raise PermissionDenied("只有审核部门可以访问审核队列。")
    try:
        process = processes.get(type)
    except KeyError:
        raise Http404 from None
    context = module_context(user, module)
    cities = City.objects.all() if user.is_province else City.objects.filter(pk=user.city_id)
    filters = read_filters(query, QueueFilterForm, cities=cities)
    tab, city, age, due = filters["tab"] or "waiting", filters["city"], filters["age"], filters["due"]
    # What waits for a reviewer is within what they may see: its test is not repeated (the planner would
    # count it twice, expect a short queue and read every application of the city to sort them).
    if tab == "waiting":
        applications = Application.objects.waiting_for(user)
    else:
        applications = Application.objects.visible_to(user).decided_by(user)
    applications = applications.in_module(context["kind"]).filter(type=type)
    if city:
        applications = applications.filter(cities=city)
    if age:
        applications = applications.filter(submitted_at__lt=_start_of_day(age - 1))
    if due:
        applications = applications.by_deadline(due)
    # 待审核: overdue first, then by due date (the index application_due); 已审核: in submission order.
    order = ("due_on", "pk") if tab == "waiting" else ("submitted_at", "pk")
    applications = applications.order_by(*order)
    context.update(
        type=type,
        type_label=process.review_title,
        review_verb=process.review_verb,
        tab=tab,
        # The filter's choices from the city table (the form still checks a chosen one in the database).
        cities=city_table.ordered() if user.is_province else [city_table.city(user.city_id)],
        city=str(city.pk) if city else "",
        ages=AGES,
        age=str(age or ""),
        due=due,
        due_filters=DEADLINE_FILTERS,
    )
    return context, applications


@export_source
def queue_export(user, query, module, type):
    context, applications = _queue(user, query, module, type)
    title = f"{context['type_label']}-{'待审核' if context['tab'] == 'waiting' else '已审核'}"
    decisions = Decision.objects.select_related("application", "city").order_by("decided_at", "pk")
    applications = applications.select_related("institution", "receiving_institution").prefetch_related(
        "cities", Prefetch("decisions", queryset=decisions)
    )
    return Export(title, QUEUE_COLUMNS, applications, _queue_rows)


@personal_data
def review_queue(request: HttpRequest, module: str, type: str) -> HttpResponse:
    if wants_xlsx(request):
        return export_response(request, queue_export, module=module, type=type)
    context, applications = _queue(request.user, request.GET, module, type)
    page = paginate(
        request,
        applications,
        count_key=_count_key(request.user, module, type, context),
        shown=lambda applications: applications.rows(),
        wrap=application_rows,
    )
    name_cities(page)
    context.update(page=page, now=timezone.now())
    return render(request, "reviews/queue.html", context)


def _start_of_day(days_ago: int) -> datetime:
    """Local midnight ``days_ago`` days before today. 等待 N 天以上 counts calendar days, as a reviewer
    does: submitted on a date at least N days before today, whatever the hour, so the filter and its
    count stay the same all day."""
    return timezone.make_aware(datetime.combine(calendar.today() - timedelta(days=days_ago), time.min))


def _count_key(user, module: str, type: str, context: dict) -> str:
    """A queue's count is the same for every reviewer of the office on a day, until the next action
    commits (a city counts about 1,000 waiting applications to reach the cap at provincial volume)."""
    filters = (context["tab"], context["city"], context["due"], context["age"])
    return count_key("queue", key_of(user), module, type, *filters, calendar.today().isoformat())
