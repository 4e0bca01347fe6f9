"""人员注销: filing, and the effect of approval (注销, announcement, recovery of the paper certificate)."""

from reviews.transitions import available_actions

from .effects import (
    announce,
    change_certificate,
    change_rows,
    file_for_certificates,
    locked_certificates,
    row,
    void_unsent_prints,
)
from .models import CancellationRequest, CertificateStatus, Recovery


def file_cancellation(user, certificates, reason: str, holder_agrees: bool, scans_by_type: dict):
    """添加注销 (→ 待市级审核, municipal 初审 then provincial re-review)."""
    return file_for_certificates(
        CancellationRequest, user, certificates, scans_by_type, reason=reason, holder_agrees=holder_agrees
    )


def apply(request: CancellationRequest, actor) -> None:
    certificates = locked_certificates(pk__in=request.certificates.values("pk"))
    for certificate in certificates:
        change_certificate(request, certificate, "cancel", actor)
        Recovery.objects.create(certificate=certificate, request=request)
        void_unsent_prints(certificate, actor, f"人员注销 #{request.pk}")
    announce(request, request.person, certificates)


def summary_context(request: CancellationRequest, user) -> dict:
    rows = change_rows(request)
    if not rows:
        rows = [
            row(c, c.status, c.institution, CertificateStatus.CANCELLED, c.institution)
            for c in request.certificates.select_related("institution")
        ]
    recoveries = list(Recovery.objects.filter(request=request).select_related("certificate", "request"))
    for recovery in recoveries:
        recovery.actions = available_actions(recovery, user)
    return {"certificate_rows": rows, "changes": request.state == "approved", "recoveries": recoveries}
