"""人员上岗证补办 (补证): filing, and the effect of approval (a new edition to print)."""

from reviews.processes import COLOUR_SCAN, PAGED_SCAN, SOCIAL_SECURITY_SCAN, STAMPED_SCAN, Process, ScanSpec

from .effects import (
    announce,
    change_certificate,
    change_rows,
    check_certificates_at_filer,
    file_for_certificates,
    locked_certificates,
    open_print_task,
    row,
)
from .models import ReissueRequest


def file_reissue(user, certificates, reason: str, scans_by_type: dict) -> ReissueRequest:
    """添加补办: certificates of one person held at the user's institution (→ 待市级审核)."""
    return file_for_certificates(ReissueRequest, user, certificates, scans_by_type, reason=reason)


def apply(reissue: ReissueRequest, actor) -> None:
    """Each certificate's edition goes up by one (the printed older one is void); print and announce."""
    certificates = locked_certificates(pk__in=reissue.certificates.values("pk"))
    for certificate in certificates:
        change_certificate(reissue, certificate, "reissue", actor)
        open_print_task(reissue, certificate, reissue.institution.city_id, actor)
    announce(reissue, reissue.person, certificates)


def summary(reissue: ReissueRequest, user) -> dict:
    rows = change_rows(reissue)
    if not rows:
        rows = [
            row(c, c.status, c.institution, c.status, c.institution, c.edition, c.edition + 1)
            for c in reissue.certificates.select_related("institution")
        ]
    return {"certificate_rows": rows, "changes": reissue.state == "approved"}


REISSUE = Process(
    type="reissue",
    label="人员上岗证补办",
    model=ReissueRequest,
    review_title="人员补证审批",
    filer_scans=(
        ScanSpec("newspaper_notice", "登报声明", help_text=f"省级报纸登报声明，{STAMPED_SCAN}"),
        ScanSpec(
            "labour_contract", "劳动合同", multiple=True, paged=True, help_text=f"{COLOUR_SCAN}；{PAGED_SCAN}"
        ),
        ScanSpec("social_security", "社保缴费清单", multiple=True, help_text=SOCIAL_SECURITY_SCAN),
    ),
    review_verb="审批",
    correction_form="certificates.forms.ReissueForm",
    check_filing=check_certificates_at_filer,
    apply=apply,
    summary=summary,
    change_list_url="reissue_list",
    summary_template="certificates/includes/_reissue_summary.html",
)
