"""申诉: the institution concerned objects to a record in force, with scans; the province decides.

Filed like any application (``reviews.actions.file_application``) and reviewed by the province only
(``city_review=False``). 同意 (申诉成立) revokes the record: it leaves the public view and the score, and
its page shows why. 退回 (不予支持) leaves the record in force; the institution may add material and
resubmit, or withdraw. One open 申诉 per record.
"""

from django.db.models import Q
from django.utils import timezone

from reviews.actions import ApplicationConflict, file_application
from reviews.models import OPEN_STATES
from reviews.processes import FilingRefused, Process, ScanSpec

from . import scoring
from .models import Appeal, CreditRecord

MATERIAL = ScanSpec(
    "appeal_material", "申诉材料", multiple=True, help_text="说明情况的书面材料及证据，加盖公章"
)


def _concerns(credit_record, institution_id) -> bool:
    return credit_record.institution_id == institution_id or (
        credit_record.person_about_id is not None
        and credit_record.person_about.institution_id == institution_id
    )


def may_appeal(credit_record, user) -> bool:
    """The institution concerned, while the record is in force and no 申诉 of it is open."""
    return (
        user.is_institution
        and _concerns(credit_record, user.institution_id)
        and CreditRecord.objects.in_force().filter(pk=credit_record.pk).exists()
        and not credit_record.appeals.filter(state__in=OPEN_STATES).exists()
    )


def check_filing(user, appeal) -> None:
    credit_record = appeal.record
    if not _concerns(credit_record, user.institution_id):
        raise FilingRefused("只能对本机构或本机构人员的信用记录提出申诉。")
    if not CreditRecord.objects.in_force().filter(pk=credit_record.pk).exists():
        raise FilingRefused("该信用记录不在公示期内，不能申诉。")
    others = Appeal.objects.filter(Q(state__in=OPEN_STATES), record=credit_record)
    if appeal.pk:
        others = others.exclude(pk=appeal.pk)
    if others.exists():
        raise ApplicationConflict("该信用记录已有未办结的申诉。")


def file_appeal(user, credit_record, reason: str, scans_by_type: dict) -> Appeal:
    """提出申诉 (→ 待省级复核)."""
    appeal = Appeal(
        record=credit_record,
        reason=reason,
        module_jc=credit_record.module_jc,
        module_dj=credit_record.module_dj,
    )
    return file_application(appeal, user, scans_by_type=scans_by_type)


def apply(appeal: Appeal, user) -> None:
    """申诉成立: the record is revoked (kept, marked, out of the public view and the score)."""
    credit_record = CreditRecord.objects.select_for_update().get(pk=appeal.record_id)
    credit_record.revoked_at = timezone.now()
    credit_record.revoked_note = f"申诉成立（申诉 #{appeal.pk}）"
    credit_record.save(update_fields=["revoked_at", "revoked_note"])
    scoring.recompute_for(credit_record)


def subject(appeal) -> str:
    return appeal.record.subject_name


def summary(appeal: Appeal, user) -> dict:
    return {"appeal": appeal, "record": appeal.record}


APPEAL = Process(
    type="credit_appeal",
    label="信用申诉",
    model=Appeal,
    review_title="信用申诉审核",
    filer_scans=(MATERIAL,),
    check_filing=check_filing,
    apply=apply,
    summary=summary,
    summary_template="credit/includes/_appeal_summary.html",
    subject=subject,
    destination=lambda _application: None,
    city_review=False,
)
