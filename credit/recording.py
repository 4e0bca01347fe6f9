"""信用记录: a city or the province records a 良好 or 不良 conduct; its effect; its declaration.

A city's record is filed by the city (``Process.filers``) and goes straight to the province's 复核
(no city review): the province's 同意 makes it take effect, its 退回 sends it back to the city, which
corrects it or withdraws it. The province's own record takes effect at once (``decree``, 草稿 → 已通过,
with its decision), like its direct 注销 of a certificate. Taking effect fixes the period (from the day
of effect for ``years``) and recomputes the score of whom it is about.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit.events import Kind, record
from institutions.modules import institution_modules
from notices import actions as notices
from reviews import notifications
from reviews.actions import decree
from reviews.attachments import add_rows, cleanup_on_failure, write
from reviews.models import Application, State
from reviews.processes import FilingRefused, Process, ScanSpec
from reviews.transitions import guarded, run

from . import scoring
from .appeals import may_appeal
from .models import CreditRecord, CreditScore, Nature

EVIDENCE = ScanSpec(
    "credit_evidence", "证据材料", multiple=True, help_text="违法违规事实或表彰文件等证据材料的扫描件"
)


def _modules(institution, person) -> dict:
    """Listed in the module queues of the kinds concerned: the person's certificates, or the
    institution's kinds (both while it holds none)."""
    kinds = set(person.certificates.values_list("kind", flat=True)) if person else set()
    kinds = kinds or set(institution_modules(institution))
    return {"module_jc": "JC" in kinds, "module_dj": "DJ" in kinds}


def check_filing(user, credit_record) -> None:
    """A city records conduct in its own city only; the category must be in use."""
    if user.is_city and credit_record.institution.city_id != user.city_id:
        raise FilingRefused("只能记录本市检测机构及其人员的信用行为。")
    if not credit_record.category.active:
        raise FilingRefused(f"行为类别“{credit_record.category.name}”已停用。")


@guarded
def record_conduct(user, credit_record: CreditRecord, scans_by_type: dict, *, client_address: str = ""):
    """File ``credit_record`` (built, unsaved, with its own fields and ``institution``) as a city (→
    待省级复核) or as the province (in effect at once). Returns the saved record."""
    if not (user.is_city or user.is_province):
        raise PermissionDenied("信用记录由省辖市建设行政主管部门或省质监总站记录。")
    credit_record.type = CREDIT_RECORD.type
    credit_record.created_by = user
    credit_record.recorded_by_id = user.city_id if user.is_city else None
    credit_record.nature = credit_record.category.nature
    credit_record.subject_name = subject(credit_record)
    for name, value in _modules(credit_record.institution, credit_record.person_about).items():
        setattr(credit_record, name, value)
    with cleanup_on_failure() as saved:
        written = write(scans_by_type, user=user, saved=saved)
        with transaction.atomic():
            check_filing(user, credit_record)
            credit_record.save()
            credit_record.cities.set([credit_record.institution.city_id])
            add_rows(written, application=credit_record)
            application = Application.objects.select_for_update().get(pk=credit_record.pk)
            if user.is_city:
                run(application, "submit", user, description="市级记录，报省级复核")
                notifications.moved(application, State.DRAFT)
            else:
                _decree(application, user, client_address)
    credit_record.refresh_from_db()
    return credit_record


def _decree(application, user, client_address) -> None:
    opinion = "省质监总站记录，即时生效"
    decree(application, user, opinion, client_address=client_address)
    record(Kind.DECISION, user=user, obj=application, address=client_address, detail=f"信用记录：{opinion}")
    CREDIT_RECORD.apply(application.detail(), user)


def apply(credit_record: CreditRecord, user) -> None:
    """The record takes effect today: its period starts, and the score of whom it is about changes."""
    credit_record.take_effect(timezone.localdate())
    CreditRecord.objects.filter(pk=credit_record.pk).update(
        effective_on=credit_record.effective_on, in_force_until=credit_record.in_force_until
    )
    scoring.recompute_for(credit_record)
    _tell_the_institution(credit_record)


def _tell_the_institution(credit_record: CreditRecord) -> None:
    """消息 to the institution concerned (about itself or one of its people), once per record."""
    about = f"本单位人员{credit_record.person_about.name}" if credit_record.person_about_id else "本单位"
    text = (
        f"{about}的{credit_record.get_nature_display()}行为记录已生效：{credit_record.category.name}，"
        f"{credit_record.signed_points:+d}分，公示至{credit_record.in_force_until:%Y-%m-%d}。"
    )
    if credit_record.nature == Nature.BAD:
        text += "如有异议，可在记录页面提出申诉。"
    notices.notify(
        [credit_record.institution],
        notices.Kind.CONDUCT,
        text,
        reverse("application_detail", args=[credit_record.pk]),
        once_key=f"credit_record:{credit_record.pk}:effective",
    )


def subject(credit_record) -> str:
    if credit_record.person_about_id:
        return credit_record.person_about.name
    return credit_record.institution.name


def summary(credit_record: CreditRecord, user) -> dict:
    appeals = list(credit_record.appeals.order_by("created_at", "pk"))
    scores = CreditScore.objects.for_year().visible_to(user)
    if credit_record.person_about_id:
        score = scores.filter(person_id=credit_record.person_about_id).first()
    else:
        score = scores.filter(institution_id=credit_record.institution_id).first()
    return {
        "record": credit_record,
        "appeals": appeals,
        "may_appeal": may_appeal(credit_record, user),
        "score": score,
    }


CREDIT_RECORD = Process(
    type="credit_record",
    label="信用记录",
    model=CreditRecord,
    review_title="信用记录复核",
    filer_scans=(EVIDENCE,),
    province_scans=(EVIDENCE,),
    check_filing=check_filing,
    apply=apply,
    summary=summary,
    summary_template="credit/includes/_record_summary.html",
    subject=subject,
    destination=lambda _application: None,
    filers=("city", "province"),
    city_review=False,
    city_step="市级记录",
    review_verb="复核",
)
