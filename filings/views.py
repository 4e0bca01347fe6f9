"""人员备案 (添加人员, 信息变更) and 机构备案, filed by an institution from one module."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from institutions.models import Institution
from institutions.modules import MODULE_SLUGS, module_context
from personnel.models import Person
from reviews.staging import scan_files
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
from .institution_status import change_status
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
    form = PersonnelFilingForm(
        request.POST or None, scan_files(request) or None, person=person, initial=initial
    )
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


@personal_data
@takes_files
@friendly_conflicts
def institution_filing(request: HttpRequest, module: str) -> HttpResponse:
    """机构备案 from a module: basic information, qualification scans, 增项, 扩项 and 减项; from a module
    the institution does not hold yet, the 增项 of that kind."""
    _institution_only(request.user, "机构备案由检测机构办理。")
    context = module_context(request.user, module, held=False)
    institution = request.user.institution
    form = InstitutionFilingForm(
        request.POST or None, scan_files(request) or None, institution=institution, kind=context["kind"]
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
            removals=form.removals(),
            scans_by_type=form.scans_by_type(),
        )
        if filing:
            return filed(request, form, filing, "机构备案已提交，审核通过后生效。")
    context.update(form=form, institution=institution, held=context["kind"] in institution.kinds())
    return render(
        request, "filings/institution_filing_form.html", context, status=400 if form.errors else 200
    )


class StatusReasonForm(forms.Form):
    reason = forms.CharField(label="原因", max_length=200, error_messages={"required": "请填写原因。"})


@require_POST
@friendly_conflicts
def institution_status(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """暂停 / 恢复 / 注销 of an institution by the province, with a reason."""
    institution = get_object_or_404(Institution.objects.visible_to(request.user), pk=pk)
    if not request.user.is_province:
        raise PermissionDenied("只有省质监总站可以暂停、恢复或注销检测机构。")
    form = StatusReasonForm(request.POST)
    if not form.is_valid():
        context = {"institution": institution, "form": form, "label": Institution.STATUS_ACTIONS[action]}
        return render(request, "filings/institution_status_refused.html", context, status=400)
    change_status(institution.pk, request.user, action, form.cleaned_data["reason"], request=request)
    messages.success(request, f"已{Institution.STATUS_ACTIONS[action]}：{institution.name}")
    return redirect("institution_detail", pk=institution.pk)
