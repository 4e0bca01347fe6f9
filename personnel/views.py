from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from institutions.modules import module_context
from jobs.exports import Export, export_response, export_source
from notices.organisations import key_of
from reviews.models import Application
from web.exports import CHUNK, wants_xlsx
from web.filters import read_filters
from web.pages import count_key, paginate
from web.privacy import personal_data

from .models import Person, fill_certificate_cells
from .search import PersonSearchForm, query_for, search_text


@personal_data
def person_list(request: HttpRequest, module: str) -> HttpResponse:
    """人员诚信管理 → 基本信息: the people in scope holding a certificate of the module's kind."""
    context = module_context(request.user, module)
    if request.method == "POST":  # the search box: see personnel/search.py
        query = query_for(request, read_filters(request.POST, PersonSearchForm)["q"])
        return redirect(f"{request.path}?{query}" if query else request.path)
    q = search_text(request, read_filters(request.GET, PersonSearchForm))
    if wants_xlsx(request):
        return export_response(request, people_export, module=module, q=q)
    people = (
        Person.objects.visible_to(request.user).in_module(context["kind"]).search(q).order_by("name", "pk")
    )
    # The count is the same for the organisation until the next action commits (people and their
    # certificates change only by approvals and imports, which bump the generation).
    key = count_key("people", key_of(request.user), module, q)
    page = paginate(request, people, count_key=key, shown=lambda rows: rows.with_institution_name())
    fill_certificate_cells(page)
    context.update(page=page, q=q, may_add=request.user.is_institution)
    return render(request, "personnel/person_list.html", context)


PEOPLE_COLUMNS = [
    "姓名",
    "身份证号",
    "性别",
    "学历",
    "职称",
    "所在机构",
    "建材证书编号",
    "建材证书状态",
    "地基证书编号",
    "地基证书状态",
]


@export_source
def people_export(user, query, module, q):
    """``q`` is the search already resolved by the page (an ID-number search finds at most one person,
    so it is always exported at once and never kept with a job)."""
    context = module_context(user, module)
    people = Person.objects.visible_to(user).in_module(context["kind"]).search(q).for_list()
    return Export(f"人员-{context['module_title']}", PEOPLE_COLUMNS, people, _people_rows)


def _people_rows(people):
    for p in people.iterator(chunk_size=CHUNK):
        cells = [
            p.name,
            p.masked_id_number,
            p.gender,
            p.education,
            p.title,
            p.institution.name if p.institution else "",
        ]
        for c in p.certificate_cells:
            cells += [c.number, c.get_status_display()] if c else ["", ""]
        yield cells


@personal_data
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(
        Person.objects.visible_to(request.user)
        .select_related("institution__city")
        .prefetch_related("certificates__institution", "certificates__print_tasks"),
        pk=pk,
    )
    applications = (
        Application.objects.visible_to(request.user)
        .filter(person=person)
        .select_related("institution", "receiving_institution")
        .order_by("-created_at")
    )
    can_file = request.user.is_institution and person.institution_id == request.user.institution_id
    context = {"person": person, "applications": applications, "can_file": can_file}
    return render(request, "personnel/person_detail.html", context)
