"""安全审计: the province reads and exports the audit log."""

from datetime import datetime, time

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from web.exports import CHUNK, wants_xlsx, xlsx_response
from web.pages import paginate
from web.privacy import personal_data

from .models import AuditEvent, Kind

COLUMNS = ["时间", "事件", "结果", "用户名", "单位", "来源地址", "地址", "对象", "说明"]


class FilterForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150, required=False)
    organisation = forms.CharField(label="单位", max_length=100, required=False)
    kind = forms.ChoiceField(label="事件", choices=[("", "全部"), *Kind.choices], required=False)
    date_from = forms.DateField(label="自", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="至", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    address = forms.CharField(label="来源地址", max_length=64, required=False)


@personal_data
def event_list(request: HttpRequest) -> HttpResponse:
    if not request.user.is_province:
        raise PermissionDenied("安全审计记录仅供省质监总站查看。")
    form = FilterForm(request.GET or None)
    events = AuditEvent.objects.visible_to(request.user)
    if form.is_valid():
        events = _filtered(events, form.cleaned_data)
    events = events.order_by("-at", "-pk")
    if wants_xlsx(request):
        return xlsx_response("安全审计", COLUMNS, _rows(events))
    status = 400 if form.errors else 200
    return render(
        request, "audit/event_list.html", {"form": form, "page": paginate(request, events)}, status=status
    )


def _filtered(events, data):
    if data["username"]:
        events = events.filter(username=data["username"].strip())
    if data["organisation"]:
        events = events.filter(organisation__startswith=data["organisation"].strip())
    if data["kind"]:
        events = events.filter(kind=data["kind"])
    zone = timezone.get_current_timezone()
    if data["date_from"]:
        events = events.filter(at__gte=datetime.combine(data["date_from"], time.min, zone))
    if data["date_to"]:
        events = events.filter(at__lte=datetime.combine(data["date_to"], time.max, zone))
    if data["address"]:
        events = events.filter(address=data["address"].strip())
    return events


def _rows(events):
    for e in events.iterator(chunk_size=CHUNK):
        yield [
            timezone.localtime(e.at).replace(tzinfo=None),
            e.get_kind_display(),
            e.get_outcome_display(),
            e.username,
            e.organisation,
            e.address,
            e.path,
            f"{e.object_type} #{e.object_id}" if e.object_id else "",
            e.detail,
        ]
