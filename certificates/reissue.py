"""人员上岗证补办 (补证): filing, and the effect of approval (a new edition to print)."""

from .effects import (
    announce,
    change_certificate,
    change_rows,
    file_for_certificates,
    locked_certificates,
    open_print_task,
    row,
)
from .models import ReissueRequest


def file_reissue(user, certificates, reason: str, scans_by_type: dict) -> ReissueRequest:
    """添加补办: certificates of one person held at the user's institution (→ 待市级审核)."""
    return file_for_certificates(ReissueRequest, user, certificates, scans_by_type, reason=reason)


def apply(request: ReissueRequest, actor) -> None:
    """Each certificate's edition goes up by one (the printed older one is void); print and announce."""
    certificates = locked_certificates(pk__in=request.certificates.values("pk"))
    for certificate in certificates:
        change_certificate(request, certificate, "reissue", actor)
        open_print_task(request, certificate, request.institution.city_id, actor)
    announce(request, request.person, certificates)


def summary_context(request: ReissueRequest, user) -> dict:
    rows = change_rows(request)
    if not rows:
        rows = [
            row(c, c.status, c.institution, c.status, c.institution, c.edition, c.edition + 1)
            for c in request.certificates.select_related("institution")
        ]
    return {"certificate_rows": rows, "changes": request.state == "approved"}
