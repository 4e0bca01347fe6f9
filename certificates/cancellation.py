"""人员注销: filing, and the effect of approval (注销, announcement, recovery of the paper certificate)."""

from django.conf import settings

from reviews.processes import COLOUR_SCAN, Process, ScanSpec
from reviews.transitions import available_actions

from . import notifications
from .effects import (
    announce,
    change_certificate,
    change_rows,
    check_certificates_of_filer_people,
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


def apply(cancellation: CancellationRequest, actor) -> None:
    certificates = locked_certificates(pk__in=cancellation.certificates.values("pk"))
    for certificate in certificates:
        change_certificate(cancellation, certificate, "cancel", actor)
        recovery = Recovery.objects.create(
            certificate=certificate, application=cancellation, institution_id=cancellation.institution_id
        )
        notifications.must_mail_back(recovery)
        void_unsent_prints(certificate, actor, f"人员注销 #{cancellation.pk}")
    announce(cancellation, cancellation.person, certificates)


def summary(cancellation: CancellationRequest, user) -> dict:
    rows = change_rows(cancellation)
    if not rows:
        rows = [
            row(c, c.status, c.institution, CertificateStatus.CANCELLED, c.institution)
            for c in cancellation.certificates.select_related("institution")
        ]
    recoveries = list(
        Recovery.objects.filter(application=cancellation).select_related("certificate", "application")
    )
    for recovery in recoveries:
        recovery.actions = available_actions(recovery, user)
    return {
        "certificate_rows": rows,
        "changes": cancellation.state == "approved",
        "recoveries": recoveries,
        "mail_back": [r for r in recoveries if "mail" in r.actions],
        "province_mail_address": settings.PROVINCE_MAIL_ADDRESS,
    }


CANCELLATION = Process(
    type="cancellation",
    label="人员注销",
    model=CancellationRequest,
    review_title="人员注销审核",
    filer_scans=(
        ScanSpec(
            "certificate_scan",
            "上岗证",
            multiple=True,
            field_label="岗位合格证",
            help_text=f"岗位合格证书的{COLOUR_SCAN}",
        ),
    ),
    province_scans=(
        ScanSpec(
            "province_decision", "处理决定", multiple=True, help_text="处理决定或违规事实材料，加盖公章"
        ),
    ),
    correction_form="certificates.forms.CancellationForm",
    check_filing=check_certificates_of_filer_people,
    apply=apply,
    summary=summary,
    change_list_url="cancellation_list",
    summary_template="certificates/includes/_cancellation_summary.html",
    city_step="市级初审",
)
