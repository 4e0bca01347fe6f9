from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from certificates.models import PostCertificate
from jiance.pages import module_context, paginate
from reviews.models import Request

from .models import Person


def person_list(request: HttpRequest, module: str) -> HttpResponse:
    """人员诚信管理 → 基本信息: the people in scope holding a certificate of the module's kind."""
    context = module_context(request.user, module)
    q = request.GET.get("q", "").strip()
    people = Person.objects.visible_to(request.user).holding(context["kind"]).search(q).for_list()
    context.update(page=paginate(request, people), q=q)
    return render(request, "personnel/person_list.html", context)


def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    certificates = PostCertificate.objects.select_related("institution").prefetch_related("print_tasks")
    person = get_object_or_404(
        Person.objects.visible_to(request.user)
        .select_related("institution__city")
        .prefetch_related(Prefetch("certificates", queryset=certificates)),
        pk=pk,
    )
    requests = (
        Request.objects.visible_to(request.user)
        .filter(person=person)
        .select_related("institution", "receiving_institution")
        .order_by("-created_at")
    )
    return render(request, "personnel/person_detail.html", {"person": person, "requests": requests})
