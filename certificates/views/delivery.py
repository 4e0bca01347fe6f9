"""证书打印 (province), 证书发放 (city), 证书收回 (province; 寄回 by the institution)."""

import io
from datetime import date

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from institutions.models import City
from reviews.transitions import available_actions
from reviews.views.common import friendly_conflicts
from web.filters import SelectionForm, read_filters
from web.pages import paginate
from web.privacy import personal_data

from .. import delivery
from ..forms import DeliveryFilterForm, PrintQueueFilterForm, RecoveryFilterForm
from ..models import PrintTask, Recovery
from ..pdf import CertificateSheet
from ..pdf import render as render_pdf
from ..verification import verify_path_for_paper

MAX_BATCH = 2000


def _province_only(user):
    if not user.is_province:
        raise PermissionDenied("该页面供省质监总站使用。")


def _selected(source) -> list[int]:
    return read_filters(source, SelectionForm)["ids"]


@personal_data
def print_queue(request: HttpRequest) -> HttpResponse:
    """证书打印: certificates waiting to be printed, printed, sent and delivered."""
    _province_only(request.user)
    filters = read_filters(request.GET, PrintQueueFilterForm)
    state, city, q = filters["state"] or PrintTask.State.PENDING, filters["city"], filters["q"]
    tasks = PrintTask.objects.visible_to(request.user).filter(state=state)
    if city:
        tasks = tasks.filter(destination_city=city)
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
    context = {
        "page": paginate(request, tasks, per_page=50),
        "state": state,
        "states": PrintTask.State.choices,
        "cities": City.objects.all(),
        "city": str(city.pk) if city else "",
        "q": q,
    }
    return render(request, "certificates/print_queue.html", context)


@personal_data
@require_http_methods(["GET", "POST"])
def print_pdf(request: HttpRequest) -> HttpResponse:
    """One PDF with a page per selected certificate (打印所选). It changes nothing (marking is
    separate); the batch form posts so that its CSRF token stays out of URLs and logs."""
    _province_only(request.user)
    ids = _selected(request.POST if request.method == "POST" else request.GET)[:MAX_BATCH]
    tasks = list(
        PrintTask.objects.visible_to(request.user)
        .filter(pk__in=ids)
        .select_related("certificate__holder", "certificate__institution")
        .order_by("destination_city__order", "pk")
    )
    if not tasks:
        messages.error(request, "请先勾选要打印的证书。")
        return redirect("print_queue")
    sheets = [_sheet(request, t) for t in tasks]
    buffer = io.BytesIO()
    render_pdf(sheets, buffer)
    buffer.seek(0)
    name = f"岗位合格证书-{date.today():%Y%m%d}-{len(sheets)}份.pdf"
    response = FileResponse(buffer, content_type="application/pdf", as_attachment=True, filename=name)
    return response


def _sheet(request, task) -> CertificateSheet:
    c = task.certificate
    return CertificateSheet(
        holder_name=c.holder.name,
        id_number=c.holder.id_number,
        kind_label=c.get_kind_display(),
        number=c.number,
        institution=c.institution.name if c.institution else "",
        issued_on=c.issued_on,
        edition=task.edition,
        verify_url=request.build_absolute_uri(verify_path_for_paper(task)),
    )


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


@personal_data
def delivery_list(request: HttpRequest) -> HttpResponse:
    """证书发放: certificates the province sent to this city, to hand to the institutions."""
    if not request.user.is_city:
        raise PermissionDenied("该页面供省辖市建设行政主管部门使用。")
    state = read_filters(request.GET, DeliveryFilterForm)["state"] or "sent"
    tasks = (
        PrintTask.objects.visible_to(request.user)
        .filter(state=state)
        .select_related("certificate__holder", "certificate__institution", "destination_city")
        .order_by("sent_at", "pk")
    )
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


@personal_data
def recovery_list(request: HttpRequest) -> HttpResponse:
    """证书收回: cancelled certificates to mail back (institution) and to receive (province), with how
    long each has waited since its 注销; ``sort=waiting`` lists the longest waiting first."""
    filters = read_filters(request.GET, RecoveryFilterForm)
    state, sort = filters["state"], filters["sort"]
    recoveries = Recovery.objects.visible_to(request.user)
    if state:
        recoveries = recoveries.filter(state=state)
    order = ("created_at", "pk") if sort == "waiting" else ("state", "pk")
    recoveries = recoveries.select_related("certificate__holder", "application__institution").order_by(*order)
    page = paginate(request, recoveries)
    for recovery in page:
        recovery.actions = available_actions(recovery, request.user)
    context = {"page": page, "state": state, "sort": sort, "states": Recovery.State.choices}
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
