"""信用公示 (no login): institutions with their grade and 不良 records in force; a person look-up by
certificate number and name, under 证书查询's rate limit. Never an ID number."""

from django.contrib.auth.decorators import login_not_required
from django.db.models import OuterRef, Prefetch, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from certificates.lookup import look_up
from certificates.models import PostCertificate
from certificates.verification import mask_name
from institutions.models import Institution, Kind, Qualification
from web.filters import read_filters
from web.pages import paginate
from web.privacy import personal_data
from web.search import startswith

from ..forms import PersonLookupForm, PublicFilterForm
from ..models import CreditRecord, CreditScore, Rule


@login_not_required
def public_list(request: HttpRequest) -> HttpResponse:
    filters = read_filters(request.GET, PublicFilterForm)
    year = timezone.localdate().year
    grades = CreditScore.objects.for_year(year).filter(institution=OuterRef("pk"))
    # An institution not yet scored this year (new since the last recompute) has no record counted: the
    # rule's base decides its grade.
    rule = Rule.current()
    unscored = Value(rule.grade_for(rule.bounded(rule.base)))
    institutions = (
        Institution.objects.exclude(status=Institution.Status.CANCELLED)
        .annotate(grade=Coalesce(Subquery(grades.values("grade")[:1]), unscored))
        .select_related("city")
        .order_by("name", "pk")
    )
    if filters["q"]:
        institutions = institutions.filter(startswith("name", filters["q"].strip(), institutions.db))
    if filters["city"]:
        institutions = institutions.filter(city=filters["city"])
    if filters["grade"]:
        institutions = institutions.filter(grade=filters["grade"])
    page = paginate(request, institutions)
    _attach_public_records(page.object_list)
    context = {"page": page, "filters": filters, "form": PublicFilterForm(request.GET or None), "year": year}
    return render(request, "credit/public_list.html", context)


def _attach_public_records(institutions) -> None:
    """Each institution's own 不良 records in force (two queries for the page: records, kinds)."""
    ids = [i.pk for i in institutions]
    records: dict[int, list] = {}
    public = CreditRecord.objects.for_public_display().filter(
        institution_id__in=ids, person_about__isnull=True
    )
    for record in public.select_related("category").order_by("-effective_on", "-pk"):
        records.setdefault(record.institution_id, []).append(record)
    kinds: dict[int, set] = {}
    for institution_id, kind in Qualification.objects.filter(institution_id__in=ids).values_list(
        "institution_id", "kind"
    ):
        kinds.setdefault(institution_id, set()).add(kind)
    labels = dict(Kind.choices)
    for institution in institutions:
        institution.public_records = records.get(institution.pk, [])
        institution.kind_labels = "、".join(
            labels[k] for k in sorted(kinds.get(institution.pk, ()), reverse=True)
        )


@personal_data
@login_not_required
def public_person(request: HttpRequest) -> HttpResponse:
    """By certificate number and name (both must match): status, institution, 不良 records in force."""
    found = look_up(
        request,
        PostCertificate.objects.select_related("holder__institution", "institution").prefetch_related(
            Prefetch(
                "holder__credit_records",
                queryset=CreditRecord.objects.for_public_display()
                .select_related("category")
                .order_by("-effective_on"),
                to_attr="public_records",
            )
        ),
        PersonLookupForm,
    )
    context = {"form": found.form}
    if found.throttled:
        return render(request, "credit/public_person.html", context | {"throttled": True}, status=429)
    if found.searched:
        certificate = found.certificate
        context["searched"] = True
        if certificate:
            holder = certificate.holder
            context["result"] = {
                "name": mask_name(holder.name),
                "number": certificate.number,
                "kind": certificate.get_kind_display(),
                "status": certificate.status,
                "status_label": certificate.get_status_display(),
                "institution": holder.institution.name if holder.institution else "—",
                "records": holder.public_records,
            }
    return render(request, "credit/public_person.html", context)
