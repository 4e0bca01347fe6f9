"""Reviewer queues (审核 → 人员变更审批 …): 待审核 / 已审核, by module, type, city and age."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from institutions.models import City
from jiance.exports import CHUNK, wants_xlsx, xlsx_response
from jiance.menus import REVIEW_ENTRIES
from jiance.pages import module_context, paginate

from ..models import Request, RequestType

AGES = [("3", "3天以上"), ("7", "7天以上"), ("15", "15天以上"), ("30", "30天以上")]


QUEUE_COLUMNS = ["编号", "类型", "姓名", "申请机构", "接收机构", "涉及的市", "状态", "提交时间"]


def _queue_rows(requests):
    for r in requests.iterator(chunk_size=CHUNK):
        yield [
            r.pk,
            r.get_type_display(),
            r.subject_name,
            r.institution.name,
            r.receiving_institution.name if r.receiving_institution else "",
            "、".join(c.name for c in r.cities.all()),
            r.get_state_display(),
            timezone.localtime(r.submitted_at).replace(tzinfo=None) if r.submitted_at else "",
        ]


def review_queue(request: HttpRequest, module: str, type: str) -> HttpResponse:
    user = request.user
    if not user.is_reviewer:
        raise PermissionDenied("只有审核部门可以访问审核队列。")
    if type not in RequestType.values:
        from django.http import Http404

        raise Http404
    context = module_context(user, module)
    tab = "done" if request.GET.get("tab") == "done" else "waiting"
    scoped = Request.objects.visible_to(user).in_module(context["kind"]).filter(type=type)
    requests = scoped.waiting_for(user) if tab == "waiting" else scoped.decided_by(user)
    city = request.GET.get("city", "")
    if city.isdigit():
        requests = requests.filter(cities=int(city))
    age = request.GET.get("age", "")
    if age.isdigit():
        requests = requests.filter(submitted_at__lte=timezone.now() - timedelta(days=int(age)))
    requests = (
        requests.select_related(
            "person", "personnelfiling", "institution__city", "receiving_institution__city"
        )
        .prefetch_related("cities")
        .order_by("submitted_at", "pk")
    )
    if wants_xlsx(request):
        title = f"{dict(REVIEW_ENTRIES)[type]}-{'待审核' if tab == 'waiting' else '已审核'}"
        return xlsx_response(title, QUEUE_COLUMNS, _queue_rows(requests))
    context.update(
        type=type,
        type_label=dict(REVIEW_ENTRIES)[type],
        tab=tab,
        page=paginate(request, requests),
        cities=City.objects.all() if user.is_province else City.objects.filter(pk=user.city_id),
        city=city,
        ages=AGES,
        age=age,
        now=timezone.now(),
    )
    return render(request, "reviews/queue.html", context)
