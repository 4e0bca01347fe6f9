"""The province suspends (暂停), resumes or closes (注销) an institution, with a reason: recorded (state
machine and audit), announced (公告). A suspended or closed institution neither files nor receives
(``Institution.refusal``). Closing also ends its open applications, those it filed and the transfers
addressed to it (``reviews.actions.end_for_closed_institution``), ends its logins, and detaches its
people's certificates (调离) by the transfer rule, as a closed institution holds no qualification."""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from audit.events import Kind, record
from certificates.effects import locked_certificates, void_unsent_prints
from certificates.models import LIVE_STATUSES, Announcement
from institutions.models import Institution, UserSession
from reviews.actions import end_for_closed_institution
from reviews.transitions import guarded, run

NOTICES = {"suspend": "institution_suspended", "resume": "institution_resumed", "close": "institution_closed"}


@guarded
def change_status(institution_id: int, user, action: str, reason: str, *, request=None) -> Institution:
    """Run ``action`` (suspend, resume, close) as the province, with its ``reason``."""
    if action not in NOTICES:
        raise ValueError(action)
    if not user.is_province:
        raise PermissionDenied("只有省质监总站可以暂停、恢复或注销检测机构。")
    reason = reason.strip()
    if not reason:
        raise ValueError("请填写原因。")
    label, notice = Institution.STATUS_ACTIONS[action], NOTICES[action]
    with transaction.atomic():
        institution = Institution.objects.select_for_update().get(pk=institution_id)
        run(institution, action, user, description=reason)  # AlreadyHandled if the status moved on
        if action == "close":
            end_for_closed_institution(institution, user, reason)
            _detach_certificates(institution, user, reason)
            for login in institution.users.all():
                UserSession.objects.end_for(login)
        Announcement.objects.create(
            type=notice,
            person_name="",
            certificate_numbers="",
            from_institution=institution.name,
            summary=f"检测机构{label}：{reason}"[:300],
        )
        record(Kind.INSTITUTION_STATUS, request=request, user=user, obj=institution,
               detail=f"{institution.name}：{label}（{reason}）")  # fmt: skip
    return institution


def _detach_certificates(institution, user, reason) -> None:
    """Each live certificate held here follows its holder by the transfer rule: 调离."""
    for certificate in locked_certificates(institution=institution, status__in=LIVE_STATUSES):
        certificate.follow_holder(institution, by=user, description=f"检测机构注销：{reason}")
        certificate.save()
        void_unsent_prints(certificate, user, f"检测机构注销：{reason}")
