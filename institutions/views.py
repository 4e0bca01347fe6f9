from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from jiance.pages import module_context, paginate

from .models import Institution


def institution_info(request: HttpRequest, module: str) -> HttpResponse:
    """机构诚信管理 → 基本信息: an institution's own record; reviewers get the institutions in scope."""
    context = module_context(request.user, module)
    if request.user.is_institution:
        return _render_detail(request, request.user.institution_id, context)
    q = request.GET.get("q", "").strip()
    institutions = (
        Institution.objects.visible_to(request.user)
        .holding(context["kind"])
        .select_related("city")
        .prefetch_related("qualifications")
        .order_by("city__order", "name")
    )
    if q:
        institutions = institutions.filter(Q(name__icontains=q) | Q(credit_code__iexact=q.upper()))
    context.update(page=paginate(request, institutions), q=q)
    return render(request, "institutions/institution_list.html", context)


def institution_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, pk, {})


def _render_detail(request, pk, context):
    institution = get_object_or_404(
        Institution.objects.visible_to(request.user)
        .select_related("city")
        .prefetch_related("qualifications__scans", "capabilities"),
        pk=pk,
    )
    context.update(institution=institution, people_count=institution.people.count())
    return render(request, "institutions/institution_detail.html", context)
