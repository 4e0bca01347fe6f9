"""人员备案 (添加人员, 信息变更) and 机构备案, filed by an institution from one module."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from institutions.modules import MODULE_SLUGS, module_context
from personnel.models import Person
from reviews.views.common import (
    count_probe,
    file_or_refuse,
    filed,
    friendly_conflicts,
    probing_spent,
)
from web.limits import takes_files
from web.privacy import personal_data

from .forms import InstitutionFilingForm, PersonnelFilingForm
from .institution_filing import file_institution
from .personnel_filing import file_personnel


def _institution_only(user, message: str):
    if not user.is_institution:
        raise PermissionDenied(message)


@personal_data
@takes_files
@friendly_conflicts
def person_new(request: HttpRequest, module: str) -> HttpResponse:
    """添加人员: a personnel filing for someone new to the system."""
    _institution_only(request.user, "人员备案由检测机构办理。")
    return _personnel_filing(request, None, module_context(request.user, module))


@personal_data
@takes_files
@friendly_conflicts
def person_change(request: HttpRequest, pk: int) -> HttpResponse:
    """Changing a person's details (clicking the person's name in 基本信息) is a personnel filing."""
    person = get_object_or_404(
        Person.objects.visible_to(request.user).prefetch_related("certificates"), pk=pk
    )
    _institution_only(request.user, "只有人员所在机构可以办理人员备案。")
    kinds = [c.kind for c in person.certificates.all()] or request.user.institution.kinds()
    slug = "jc" if "JC" in kinds else "dj"
    return _personnel_filing(request, person, {"module": slug, "kind": MODULE_SLUGS[slug]})


def _personnel_filing(request, person, context):
    initial = {f: getattr(person, f) for f in PersonnelFilingForm.Meta.fields} if person else None
    form = PersonnelFilingForm(request.POST or None, request.FILES or None, person=person, initial=initial)
    context.update(form=form, person=person)
    template = "filings/personnel_filing_form.html"
    if request.method == "POST" and form.is_valid():
        if probing_spent(request, form):
            return render(request, template, context, status=429)
        filing = file_or_refuse(
            form,
            file_personnel,
            request.user,
            form.save(commit=False),
            person=person,
            kind=context["kind"],
            scans_by_type=form.scans_by_type(),
        )
        if filing:
            return filed(request, form, filing, "人员备案已提交，等待市级审核。")
        count_probe(request, form)
    return render(request, template, context, status=400 if form.errors else 200)


@takes_files
@friendly_conflicts
def institution_filing(request: HttpRequest, module: str) -> HttpResponse:
    """机构备案 from a module: basic information, qualification scans, 增项 and 扩项."""
    _institution_only(request.user, "机构备案由检测机构办理。")
    context = module_context(request.user, module)
    institution = request.user.institution
    form = InstitutionFilingForm(
        request.POST or None, request.FILES or None, institution=institution, kind=context["kind"]
    )
    if request.method == "POST" and form.is_valid():
        filing = form.save(commit=False)
        filing.kind = context["kind"]
        filing = file_or_refuse(
            form,
            file_institution,
            request.user,
            filing,
            additions=form.cleaned_data["additions"],
            extensions=form.extensions(),
            scans_by_type=form.scans_by_type(),
        )
        if filing:
            return filed(request, form, filing, "机构备案已提交，审核通过后生效。")
    context.update(form=form, institution=institution)
    return render(
        request, "filings/institution_filing_form.html", context, status=400 if form.errors else 200
    )
