"""Public pages (no login): 公告 and 证书查询 (also opened from a printed certificate's QR code)."""

from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from web.exports import CHUNK, wants_xlsx, xlsx_response
from web.filters import SearchForm, read_filters
from web.pages import paginate
from web.privacy import personal_data

from ..lookup import look_up
from ..models import Announcement, PostCertificate, PrintTask
from ..papers import paper_for
from ..verification import mask_name, read_token


@login_not_required
def announcement_list(request: HttpRequest) -> HttpResponse:
    q = read_filters(request.GET, SearchForm)["q"]
    announcements = Announcement.objects.for_public_display().search(q)
    if wants_xlsx(request):
        return xlsx_response("公告", ANNOUNCEMENT_COLUMNS, _announcement_rows(announcements))
    context = {"page": paginate(request, announcements), "q": q}
    return render(request, "certificates/announcement_list.html", context)


ANNOUNCEMENT_COLUMNS = ["公告日期", "类型", "姓名", "证书编号", "原机构", "调入机构", "内容"]


def _announcement_rows(announcements):
    for a in announcements.iterator(chunk_size=CHUNK):
        yield [
            timezone.localdate(a.published_at),
            a.get_type_display(),
            a.person_name,
            a.certificate_numbers,
            a.from_institution,
            a.to_institution,
            a.summary,
        ]


@personal_data
@login_not_required
def verify(request: HttpRequest) -> HttpResponse:
    """证书查询 by number and holder's name: both must match, so numbers alone reveal nothing."""
    found = look_up(request, PostCertificate.objects.select_related("holder", "institution"))
    context = {"form": found.form}
    if found.throttled:
        return render(request, "certificates/verify.html", context | {"throttled": True}, status=429)
    if found.searched:
        context.update(searched=True, result=_public_view(found.certificate) if found.certificate else None)
    return render(request, "certificates/verify.html", context)


@personal_data
@login_not_required
def verify_qr(request: HttpRequest, token: str) -> HttpResponse:
    """Opened from the QR code: is this printed paper the current one (and if not, what replaced it)?"""
    try:
        paper = paper_for(read_token(token))
    except (signing.BadSignature, PostCertificate.DoesNotExist, PrintTask.DoesNotExist):
        return render(request, "certificates/verify.html", {"forged": True}, status=400)
    context = {"result": _public_view(paper.certificate), "paper": paper, "searched": True}
    return render(request, "certificates/verify.html", context)


def _public_view(certificate) -> dict:
    return {
        "kind": certificate.get_kind_display(),
        "number": certificate.number,
        "holder": mask_name(certificate.holder.name),
        "institution": certificate.institution.name if certificate.institution else "—",
        "status": certificate.status,
        "status_label": certificate.get_status_display(),
        "edition": certificate.edition,
        "issued_on": certificate.issued_on,
    }
