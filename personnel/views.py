from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from certificates.models import PostCertificate
from institutions.models import MODULE_SLUGS
from jiance.exports import CHUNK, wants_xlsx, xlsx_response
from jiance.pages import module_context, paginate
from reviews.models import Request
from reviews.views.common import filed, friendly_conflicts

from .filing import file_personnel
from .forms import PersonnelFilingForm
from .models import Person


def person_list(request: HttpRequest, module: str) -> HttpResponse:
    """人员诚信管理 → 基本信息: the people in scope holding a certificate of the module's kind."""
    context = module_context(request.user, module)
    q = request.GET.get("q", "").strip()
    people = Person.objects.visible_to(request.user).in_module(context["kind"]).search(q).for_list()
    if wants_xlsx(request):
        return xlsx_response(f"人员-{context['module_title']}", PEOPLE_COLUMNS, _people_rows(people))
    context.update(page=paginate(request, people), q=q, may_add=request.user.is_institution)
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
    context = {"person": person, "requests": requests, "can_file": _may_file(request.user, person)}
    return render(request, "personnel/person_detail.html", context)


def _may_file(user, person) -> bool:
    return user.is_institution and person.institution_id == user.institution_id


@friendly_conflicts
def person_new(request: HttpRequest, module: str) -> HttpResponse:
    """添加人员: a personnel filing for someone new to the system."""
    if not request.user.is_institution:
        raise PermissionDenied("人员备案由检测机构办理。")
    context = module_context(request.user, module)
    return _filing(request, None, context)


@friendly_conflicts
def person_change(request: HttpRequest, pk: int) -> HttpResponse:
    """Changing a person's details (clicking the person's name in 基本信息) is a personnel filing."""
    person = get_object_or_404(
        Person.objects.visible_to(request.user).prefetch_related("certificates"), pk=pk
    )
    if not _may_file(request.user, person):
        raise PermissionDenied("只有人员所在机构可以办理人员备案。")
    kinds = [c.kind for c in person.certificates.all()] or request.user.institution.kinds()
    slug = "jc" if "JC" in kinds else "dj"
    return _filing(request, person, {"module": slug, "kind": MODULE_SLUGS[slug]})


def _filing(request, person, context):
    initial = {f: getattr(person, f) for f in PersonnelFilingForm.Meta.fields} if person else None
    form = PersonnelFilingForm(request.POST or None, request.FILES or None, person=person, initial=initial)
    if request.method == "POST" and form.is_valid():
        filing = file_personnel(
            request.user,
            form.save(commit=False),
            person=person,
            kind=context["kind"],
            scans_by_type=form.scans_by_type(),
        )
        return filed(request, form, filing, "人员备案已提交，等待市级审核。")
    context.update(form=form, person=person)
    return render(request, "personnel/filing_form.html", context, status=400 if form.errors else 200)
