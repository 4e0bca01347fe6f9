"""The province cancels a certificate directly (撤销/注销 for misconduct).

No institution files it and no city reviews it: the province decides, with a reason (its opinion) and
scans of its decision. It is recorded as a 人员注销 (``CancellationRequest`` with ``by_province``) that
goes from 草稿 straight to 已通过 by the ``decree`` transition, with the province's ``Decision``, an
audit event and the same effect as an approved 注销: the certificates become 注销, unsent prints are
voided, 公告 is published and each paper is to be recovered (证书收回) from the holder's institution.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from audit.events import Kind, record
from institutions.models import Kind as CertificateKind
from personnel.models import Person
from reviews.actions import ApplicationConflict, decree
from reviews.attachments import add_rows, cleanup_on_failure, write
from reviews.models import Application
from reviews.processes import FilingRefused
from reviews.transitions import guarded

from .cancellation import CANCELLATION
from .models import LIVE_STATUSES, CancellationRequest, PostCertificate


@guarded
def revoke(user, certificates, reason: str, scans_by_type: dict, *, client_address: str = ""):
    """注销 ``certificates`` (one person's) by the province's own decision; returns the record."""
    if not user.is_province:
        raise PermissionDenied("证书撤销由省质监总站办理。")
    reason = (reason or "").strip()
    if not reason:
        raise FilingRefused("请填写注销原因。")
    pks = [c.pk for c in certificates]
    if not pks:
        raise FilingRefused("请选择证书。")
    with cleanup_on_failure() as saved:
        # The scans travel to storage before any row is locked (reviews.attachments).
        written = write(scans_by_type, user=user, saved=saved)
        with transaction.atomic():
            return _decree(user, pks, reason, written, client_address)


def _decree(user, pks, reason, written, client_address):
    holders = set(PostCertificate.objects.filter(pk__in=pks).values_list("holder_id", flat=True))
    if len(holders) != 1:
        raise FilingRefused("一次只能注销同一人员的证书。")
    person = (
        Person.objects.select_for_update(of=("self",)).select_related("institution").get(pk=holders.pop())
    )
    chosen = list(PostCertificate.objects.select_for_update().filter(pk__in=pks).order_by("-kind"))
    for certificate in chosen:
        if certificate.status not in LIVE_STATUSES:
            raise FilingRefused(f"证书{certificate.number}已{certificate.get_status_display()}。")
    if Application.objects.open().filter(person=person).exists():
        raise ApplicationConflict(f"{person.name}有未办结的申请，请先退回该申请（或待其办结）后再注销证书。")
    # The institution that must mail the paper back: the holder's own (a 调离 certificate has none).
    institution = person.institution or chosen[0].institution
    if institution is None:
        raise FilingRefused(f"{person.name}不在任何机构，无法确定交回证书的单位。")
    kinds = {c.kind for c in chosen}
    cancellation = CancellationRequest(
        type=CANCELLATION.type,
        institution=institution,
        person=person,
        subject_name=person.name,
        module_jc=CertificateKind.JC in kinds,
        module_dj=CertificateKind.DJ in kinds,
        reason=reason,
        holder_agrees=None,
        by_province=True,
        created_by=user,
    )
    cancellation.save()
    cancellation.cities.set([institution.city_id])
    cancellation.certificates.set(chosen)
    add_rows(written, application=cancellation)
    application = Application.objects.select_for_update().get(pk=cancellation.pk)
    decree(
        application, user, reason, description=f"省质监总站直接注销：{reason}", client_address=client_address
    )
    record(
        Kind.DECISION,
        user=user,
        obj=application,
        address=client_address,
        detail=f"省质监总站直接注销：{'、'.join(c.number for c in chosen)}。{reason}",
    )
    CANCELLATION.apply(application.detail(), user)
    return cancellation
