"""人员诚信管理 → 证书信息: the certificates of a module in the user's scope, with Excel export."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods

from institutions.modules import module_context
from jobs.exports import Export, export_response, export_source
from notices.organisations import key_of
from reviews.staging import scan_files
from reviews.views.common import file_or_refuse, filed, friendly_conflicts
from web.exports import CHUNK, wants_xlsx
from web.filters import read_filters
from web.limits import takes_files
from web.pages import count_key, paginate
from web.privacy import personal_data
from web.throttle import client_address

from ..forms import CertificateFilterForm, RevocationForm
from ..models import LIVE_STATUSES, CertificateStatus, PostCertificate
from ..revocation import revoke

COLUMNS = ["证书编号", "类别", "持证人", "身份证号", "所在机构", "证书状态", "发证日期", "版次"]


@personal_data
def certificate_list(request: HttpRequest, module: str) -> HttpResponse:
    if wants_xlsx(request):
        return export_response(request, certificates_export, module=module)
    context = module_context(request.user, module)
    certificates, status, q = _filtered(request.user, request.GET, context["kind"])
    context.update(
        # Certificates change only by approvals and imports, which bump the generation.
        page=paginate(
            request,
            certificates,
            count_key=count_key("certificates", key_of(request.user), module, status, q),
            shown=_row_values,
        ),
        status_labels=STATUS_LABELS,
        q=q,
        status=status,
        statuses=CertificateStatus.choices,
        live=LIVE_STATUSES,
    )
    return render(request, "certificates/certificate_list.html", context)


STATUS_LABELS = dict(CertificateStatus.choices)
# What a row of the page shows, and every field the lists sort by (the page's keys read them).
ROW_FIELDS = ("pk", "number", "kind", "holder_id", "holder__name", "holder__id_number", "institution__name")
ROW_FIELDS += ("status", "issued_on", "edition")


def _row_values(certificates):
    """The page's rows as plain values: building a certificate, its holder and its institution per row
    cost the page more than its query."""
    return certificates.select_related(None).values(*ROW_FIELDS)


def _filtered(user, query, kind):
    certificates = PostCertificate.objects.visible_to(user).filter(kind=kind)
    filters = read_filters(query, CertificateFilterForm)
    status, q = filters["status"], filters["q"]
    if status:
        certificates = certificates.filter(status=status)
    certificates = certificates.search(q)
    certificates = certificates.select_related("holder", "institution").order_by(*_order(user))
    return certificates, status, q


@export_source
def certificates_export(user, query, module):
    context = module_context(user, module)
    certificates = _filtered(user, query, context["kind"])[0]
    return Export(f"证书-{context['module_title']}", COLUMNS, certificates, _rows)


def _order(user) -> tuple[str, ...]:
    """By number across the province or a city; an institution's own list by holder, 建材 first, which
    starts from its people in name order (an institution's certificates are scattered over the numbers)."""
    if user.is_institution:
        return ("holder__name", "holder_id", "-kind", "pk")
    return ("number", "pk")


def _rows(certificates):
    for c in certificates.iterator(chunk_size=CHUNK):
        yield [
            c.number,
            c.get_kind_display(),
            c.holder.name,
            c.holder.masked_id_number,
            c.institution.name if c.institution else "",
            c.get_status_display(),
            c.issued_on,
            c.edition,
        ]


@personal_data
@takes_files
@friendly_conflicts
@require_http_methods(["GET", "POST"])
def certificate_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """注销 by the province (misconduct): the certificate's holder's live certificates, the reason and
    the decision's scans; on success the record's page (已通过, announced, to be recovered)."""
    certificate = get_object_or_404(PostCertificate.objects.visible_to(request.user), pk=pk)
    if not request.user.is_province:
        raise PermissionDenied("证书撤销由省质监总站办理。")
    holder = certificate.holder
    form = RevocationForm(
        request.POST or None,
        scan_files(request) or None,
        holder=holder,
        initial={"certificates": [certificate]},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        cancellation = file_or_refuse(
            form,
            revoke,
            request.user,
            data["certificates"],
            data["reason"],
            form.scans_by_type(),
            client_address=client_address(request),
        )
        if cancellation:
            return filed(request, form, cancellation, "证书已注销，已公告，待持证人所在机构交回证书。")
    context = {"form": form, "certificate": certificate, "holder": holder}
    return render(request, "certificates/revoke_form.html", context, status=400 if form.errors else 200)
