"""证书打印 (province), 证书发放 (city), 证书收回 (province; 寄回 by the institution)."""

import io
from datetime import date

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from institutions import cities as city_table
from institutions.cities import name_of as city_name
from institutions.models import Kind
from jobs.exports import Export, export_response, export_source
from jobs.queue import start
from notices.organisations import key_of
from reviews import processes
from reviews.models import Application
from reviews.transitions import available_actions
from reviews.views.common import friendly_conflicts
from web.exports import CHUNK, wants_xlsx
from web.filters import SelectionForm, read_filters
from web.freshness import cached
from web.pages import count_key, paginate
from web.privacy import personal_data
from workdays import calendar
from workdays.deadlines import DEADLINE_FILTERS

from .. import delivery, print_job
from ..forms import DeliveryFilterForm, PrintQueueFilterForm, RecoveryFilterForm
from ..models import PrintTask, Recovery
from ..pdf import render as render_pdf

MAX_BATCH = 2000


def _province_only(user):
    if not user.is_province:
        raise PermissionDenied("该页面供省质监总站使用。")


def _selected(source) -> list[int]:
    return read_filters(source, SelectionForm)["ids"]


def _print_tasks(user, query):
    """The 证书打印 list for ``query``'s filters: (tasks, filters with the state defaulted)."""
    _province_only(user)
    filters = read_filters(query, PrintQueueFilterForm)
    filters["state"] = filters["state"] or PrintTask.State.PENDING
    state, city, kind, q = filters["state"], filters["city"], filters["kind"], filters["q"]
    tasks = PrintTask.objects.visible_to(user).filter(state=state)
    if city:
        tasks = tasks.filter(destination_city=city)
    if kind:
        tasks = tasks.filter(certificate__kind=kind)
    if q:
        tasks = tasks.filter(Q(certificate__holder__name__icontains=q) | Q(certificate__number__icontains=q))
    # The applications come in a query of their own: joined, the planner reads them all before sorting.
    tasks = (
        tasks.select_related("certificate__holder", "certificate__institution", "destination_city")
        .prefetch_related("application")
        # By city: the data migration creates the cities in the province's customary order, so their
        # ids follow it and the queue index (state, destination_city, created_at) serves the order.
        .order_by("destination_city_id", "created_at", "pk")
    )
    return tasks, filters


KIND_LABELS = dict(Kind.choices)


def _certificate_columns() -> dict:
    """What 证书打印's and 证书收回's rows show of a certificate and its holder, as columns of the row's
    own query (read them with ``_kind_label``) instead of a certificate and a person built per row."""
    return {
        "holder_name": F("certificate__holder__name"),
        "certificate_kind": F("certificate__kind"),
        "certificate_number": F("certificate__number"),
    }


def _kind_label(row) -> str:
    return KIND_LABELS.get(row.certificate_kind, row.certificate_kind)


def _page_columns(tasks):
    """What a row of the page shows, read as columns of its query: no certificate, person, institution,
    city and application built per row (50 a page). The application's type comes from a lookup per row
    (joined, the planner read every application before sorting)."""
    application_type = Application.objects.filter(pk=OuterRef("application_id")).values("type")[:1]
    return (
        tasks.select_related(None)
        .prefetch_related(None)
        .annotate(
            **_certificate_columns(),
            institution_name=F("certificate__institution__name"),
            application_type=Subquery(application_type),
        )
    )


def _label_rows(page) -> None:
    for t in page:
        t.kind_label = _kind_label(t)
        t.type_label = processes.label(t.application_type)
        t.city_name = city_name(t.destination_city_id)  # from the city table, not joined


PRINT_COLUMNS = ["姓名", "类别", "证书编号", "版次", "工作单位", "寄往", "来源", "状态", "快递单号"]


def _print_rows(tasks):
    for t in tasks.iterator(chunk_size=CHUNK):
        c = t.certificate
        yield [
            c.holder.name,
            c.get_kind_display(),
            c.number,
            t.edition,
            c.institution.name if c.institution else "",
            t.destination_city.name,
            f"{t.application.get_type_display()} #{t.application_id}",
            t.get_state_display(),
            t.tracking_number,
        ]


@export_source
def print_queue_export(user, query):
    tasks, filters = _print_tasks(user, query)
    label = dict(PrintTask.State.choices)[filters["state"]]
    return Export(f"证书打印-{label}", PRINT_COLUMNS, tasks, _print_rows)


@personal_data
def print_queue(request: HttpRequest) -> HttpResponse:
    """证书打印: ① choose (by city, by kind, or all waiting), ② print and confirm, ③ send per city."""
    if wants_xlsx(request):
        return export_response(request, print_queue_export)
    tasks, filters = _print_tasks(request.user, request.GET)
    state, city = filters["state"], filters["city"]
    # Print tasks are created and move on only by transitions: their counts are kept until the next one.
    counted = (state, city.pk if city else "", filters["kind"], filters["q"])
    page = paginate(
        request, tasks, per_page=50, count_key=count_key("print", "province", *counted), shown=_page_columns
    )
    _label_rows(page)
    context = {
        "page": page,
        "state": state,
        "states": PrintTask.State.choices,
        "cities": city_table.ordered(),
        "city": str(city.pk) if city else "",
        "kinds": Kind.choices,
        "kind": filters["kind"],
        "q": filters["q"],
    }
    if state == PrintTask.State.PENDING:  # the batch button's number: the page's count when it is exact
        context["waiting"] = page.count if page.count_exact else _batch_count(tasks, counted)
    if state == PrintTask.State.PRINTED:  # ③: one parcel per city
        context["parcels"] = (
            PrintTask.objects.visible_to(request.user)
            .filter(state=PrintTask.State.PRINTED)
            .values("destination_city", "destination_city__name")
            .annotate(n=Count("pk"))
            .order_by("destination_city")
        )
    return render(request, "certificates/print_queue.html", context)


def _batch_count(tasks, counted) -> int:
    """How many waiting certificates the batch button prints (up to ``MAX_BATCH`` and one more, to say
    so), kept like the page's count."""
    return cached(
        f"count:{count_key('print-batch', 'province', *counted)}",
        lambda: tasks.order_by()[: MAX_BATCH + 1].count(),
    )


@personal_data
@require_POST
def print_batch(request: HttpRequest) -> HttpResponse:
    """② 打印: every waiting certificate that matches the chosen filters (or the ticked ones): the PDF
    (made by the worker for a big batch), then 确认 once the paper is out, which marks them 已打印."""
    ids = _selected(request.POST)
    if ids:
        tasks = print_job.batch(request.user, ids[:MAX_BATCH])
        tasks = [t for t in tasks if t.state == PrintTask.State.PENDING]
    else:
        query = request.POST.copy()
        query["state"] = PrintTask.State.PENDING
        tasks = list(_print_tasks(request.user, query)[0][:MAX_BATCH])
    if not tasks:
        messages.error(request, "没有待打印的证书。")
        return redirect("print_queue")
    context = {"tasks": tasks, "ids": [t.pk for t in tasks], "count": len(tasks), "job": None}
    if len(tasks) > settings.PRINT_SYNC_MAX:
        params = {"ids": context["ids"], "site": request.build_absolute_uri("/")}
        context["job"] = start(request.user, "print_pdf", print_job.pdf_name(len(tasks)), params, len(tasks))
    return render(request, "certificates/print_batch.html", context)


@personal_data
@require_http_methods(["GET", "POST"])
def print_pdf(request: HttpRequest) -> HttpResponse:
    """One PDF with a page per selected certificate (打印所选). It changes nothing (marking is
    separate); the batch form posts so that its CSRF token stays out of URLs and logs."""
    _province_only(request.user)
    ids = _selected(request.POST if request.method == "POST" else request.GET)[:MAX_BATCH]
    tasks = print_job.batch(request.user, ids)
    if not tasks:
        messages.error(request, "请先勾选要打印的证书。")
        return redirect("print_queue")
    if len(tasks) > settings.PRINT_SYNC_MAX:  # about 5 ms a page: a big batch is made by the worker
        title = print_job.pdf_name(len(tasks))
        params = {"ids": [t.pk for t in tasks], "site": request.build_absolute_uri("/")}
        job = start(request.user, "print_pdf", title, params, total=len(tasks))
        return redirect("job_detail", pk=job.pk)
    sheets = [print_job.sheet(t, request.build_absolute_uri) for t in tasks]
    buffer = io.BytesIO()
    render_pdf(sheets, buffer)
    buffer.seek(0)
    name = print_job.pdf_name(len(sheets))
    response = FileResponse(buffer, content_type="application/pdf", as_attachment=True, filename=name)
    return response


@require_POST
@friendly_conflicts
def mark_printed(request: HttpRequest) -> HttpResponse:
    _province_only(request.user)
    ids = _selected(request.POST)
    tasks = delivery.mark_printed(_visible_ids(request.user, ids), request.user)
    messages.success(request, f"已标记 {len(tasks)} 份证书为已打印。")
    return redirect(f"{_queue_url()}?state=printed")


class SendForm(forms.Form):
    tracking_number = forms.CharField(label="快递单号", max_length=50, required=False)


@require_POST
@friendly_conflicts
def send(request: HttpRequest) -> HttpResponse:
    _province_only(request.user)
    form = SendForm(request.POST)
    ids = _visible_ids(request.user, _selected(request.POST))
    if not ids and request.POST.get("city", "").isdigit():  # ③ one parcel: every printed one for a city
        ids = list(
            PrintTask.objects.visible_to(request.user)
            .filter(state=PrintTask.State.PRINTED, destination_city=int(request.POST["city"]))
            .values_list("pk", flat=True)
        )
    if not ids or not form.is_valid():
        messages.error(request, "请先勾选要寄出的证书。")
        return redirect(f"{_queue_url()}?state=printed")
    try:
        tasks = delivery.send(ids, request.user, form.cleaned_data["tracking_number"])
    except ValueError as e:
        messages.error(request, str(e))
        return redirect(f"{_queue_url()}?state=printed")
    messages.success(request, f"已寄出 {len(tasks)} 份证书至{tasks[0].destination_city}。")
    return redirect(f"{_queue_url()}?state=sent")


def _visible_ids(user, ids) -> list[int]:
    return list(PrintTask.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))


def _queue_url():
    return reverse("print_queue")


def _deliveries(user, query):
    if not user.is_city:
        raise PermissionDenied("该页面供省辖市建设行政主管部门使用。")
    state = read_filters(query, DeliveryFilterForm)["state"] or "sent"
    tasks = (
        PrintTask.objects.visible_to(user)
        .filter(state=state)
        .select_related("certificate__holder", "certificate__institution", "destination_city")
        .order_by("sent_at", "pk")
    )
    return tasks, state


DELIVERY_COLUMNS = [
    "姓名",
    "类别",
    "证书编号",
    "版次",
    "工作单位",
    "寄出时间",
    "快递单号",
    "状态",
    "领取人",
    "发放日期",
]


def _delivery_rows(tasks):
    for t in tasks.iterator(chunk_size=CHUNK):
        c = t.certificate
        yield [
            c.holder.name,
            c.get_kind_display(),
            c.number,
            t.edition,
            c.institution.name if c.institution else "",
            timezone.localtime(t.sent_at).replace(tzinfo=None) if t.sent_at else "",
            t.tracking_number,
            "待发放" if t.state == PrintTask.State.SENT else t.get_state_display(),
            t.recipient,
            t.delivered_on or "",
        ]


@export_source
def delivery_export(user, query):
    tasks, state = _deliveries(user, query)
    return Export(
        f"证书发放-{'待发放' if state == 'sent' else '已发放'}", DELIVERY_COLUMNS, tasks, _delivery_rows
    )


@personal_data
def delivery_list(request: HttpRequest) -> HttpResponse:
    """证书发放: certificates the province sent to this city, to hand to the institutions."""
    if wants_xlsx(request):
        return export_response(request, delivery_export)
    tasks, state = _deliveries(request.user, request.GET)
    context = {"page": paginate(request, tasks), "state": state, "form": DeliverForm(), "today": date.today()}
    return render(request, "certificates/delivery_list.html", context)


class DeliverForm(forms.Form):
    recipient = forms.CharField(label="领取人", max_length=50)
    delivered_on = forms.DateField(label="发放日期")


@require_POST
@friendly_conflicts
def deliver(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_object_or_404(PrintTask.objects.visible_to(request.user), pk=pk)
    form = DeliverForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写领取人和发放日期。")
        return redirect("delivery_list")
    delivery.deliver(task.pk, request.user, form.cleaned_data["recipient"], form.cleaned_data["delivered_on"])
    messages.success(request, f"已发放：{task.certificate}")
    return redirect("delivery_list")


RECOVERY_COLUMNS = [
    "姓名",
    "类别",
    "证书编号",
    "注销申请",
    "机构",
    "状态",
    "注销时间",
    "已等待（天）",
    "办理期限",
    "剩余工作日",
    "快递单号",
]


def _recovery_rows(recoveries):
    for r in recoveries.iterator(chunk_size=CHUNK):
        c = r.certificate
        yield [
            c.holder.name,
            c.get_kind_display(),
            c.number,
            f"#{r.application_id}",
            r.application.institution.name,
            r.get_state_display(),
            timezone.localtime(r.created_at).strftime("%Y-%m-%d"),
            r.waiting_days,
            r.due_on or "",
            r.days_left if r.days_left is not None else "",
            r.tracking_number,
        ]


def _recoveries(user, filters):
    """The list and its export in one order: ``sort=waiting`` the longest waiting first; with a deadline
    filter (已超期 / 即将到期) the 待交回 ones by due date, overdue first; else by state."""
    recoveries = Recovery.objects.visible_to(user)
    if filters["state"]:
        recoveries = recoveries.filter(state=filters["state"])
    if filters["due"]:
        recoveries = recoveries.by_deadline(filters["due"])
        order = ("due_on", "pk")
    else:
        order = ("created_at", "pk") if filters["sort"] == "waiting" else ("state", "pk")
    return recoveries.select_related("certificate__holder", "application__institution").order_by(*order)


def _recovery_columns(recoveries):
    """What a row of 证书收回 shows of the certificate, its holder and the filer, read as columns of its
    query instead of three related objects per row; the application stays (who may mail it back)."""
    return (
        recoveries.select_related(None)
        .select_related("application")
        .annotate(**_certificate_columns(), institution_name=F("application__institution__name"))
    )


@export_source
def recovery_export(user, query):
    filters = read_filters(query, RecoveryFilterForm)
    state = filters["state"]
    recoveries = _recoveries(user, filters)
    label = dict(Recovery.State.choices)[state] if state else "全部"
    return Export(f"证书收回-{label}", RECOVERY_COLUMNS, recoveries, _recovery_rows)


@personal_data
def recovery_list(request: HttpRequest) -> HttpResponse:
    """证书收回: cancelled certificates to mail back (institution) and to receive (province), with how
    long each has waited since its 注销; ``sort=waiting`` lists the longest waiting first."""
    if wants_xlsx(request):
        return export_response(request, recovery_export)
    filters = read_filters(request.GET, RecoveryFilterForm)
    state, sort, due = filters["state"], filters["sort"], filters["due"]
    # Recoveries are created and move on only by transitions; 已超期 / 即将到期 change with the day.
    counted = count_key("recoveries", key_of(request.user), state, due, calendar.today().isoformat())
    page = paginate(request, _recoveries(request.user, filters), count_key=counted, shown=_recovery_columns)
    for recovery in page:
        recovery.actions = available_actions(recovery, request.user)
        recovery.kind_label = _kind_label(recovery)
    context = {
        "page": page,
        "state": state,
        "sort": sort,
        "states": Recovery.State.choices,
        "due": due,
        "due_filters": DEADLINE_FILTERS,
    }
    return render(request, "certificates/recovery_list.html", context)


@require_POST
@friendly_conflicts
def recovery_mail(request: HttpRequest, pk: int) -> HttpResponse:
    recovery = get_object_or_404(Recovery.objects.visible_to(request.user), pk=pk)
    form = SendForm(request.POST)
    form.is_valid()
    delivery.mail_recovery(recovery.pk, request.user, form.cleaned_data.get("tracking_number", ""))
    messages.success(request, f"已登记寄回：{recovery.certificate}")
    return redirect("application_detail", pk=recovery.application_id)


@require_POST
@friendly_conflicts
def recovery_recover(request: HttpRequest, pk: int) -> HttpResponse:
    recovery = get_object_or_404(Recovery.objects.visible_to(request.user), pk=pk)
    delivery.recover(recovery.pk, request.user)
    messages.success(request, f"已收回：{recovery.certificate}")
    return redirect("recovery_list")
