"""人员变更调离: what a transfer needs when filed and what it does when the province approves it."""

from institutions.models import Institution, Kind
from reviews.actions import file_request

from .models import (
    Announcement,
    CertificateChange,
    CertificateStatus,
    PostCertificate,
    PrintTask,
    TransferRequest,
    predicted_outcome,
)


def file_transfer(user, person, receiving: Institution, scans_by_type: dict) -> TransferRequest:
    """添加变更: the outgoing institution files the transfer of ``person`` to ``receiving`` (→ 待接收)."""
    kinds = {c.kind for c in person.certificates.all() if c.status != CertificateStatus.CANCELLED}
    outgoing = user.institution
    request = TransferRequest(
        institution=outgoing,
        receiving_institution=receiving,
        person=person,
        module_jc=Kind.JC in kinds,
        module_dj=Kind.DJ in kinds,
    )
    cities = {outgoing.city_id, receiving.city_id}
    return file_request(request, user, cities=cities, scans_by_type=scans_by_type)


def apply(request: TransferRequest, actor) -> None:
    """The effect of approval (DOMAIN §3.1 step 5), inside the approving action's transaction."""
    receiving = Institution.objects.prefetch_related("qualifications").get(
        pk=request.receiving_institution_id
    )
    person = request.person
    moved = []
    certificates = PostCertificate.objects.select_for_update().filter(holder=person).order_by("kind")
    for certificate in certificates:
        if certificate.status == CertificateStatus.CANCELLED:
            continue
        before = (certificate.status, certificate.institution_id)
        certificate.follow_holder(receiving, by=actor, description=f"人员变更调离 #{request.pk}")
        certificate.save()
        CertificateChange.objects.create(
            request=request,
            certificate=certificate,
            status_before=before[0],
            institution_before_id=before[1],
            status_after=certificate.status,
            institution_after=certificate.institution,
            edition_before=certificate.edition,
            edition_after=certificate.edition,
        )
        if certificate.institution_id:
            moved.append(certificate)
    person.institution = receiving
    person.save(update_fields=["institution"])
    for certificate in moved:
        PrintTask.objects.create(
            certificate=certificate,
            request=request,
            edition=certificate.edition,
            destination_city_id=receiving.city_id,
        )
    Announcement.objects.create(
        request=request,
        type=request.type,
        person_name=person.name,
        certificate_numbers="、".join(
            c.number for c in certificates if c.status != CertificateStatus.CANCELLED
        ),
        from_institution=request.institution.name,
        to_institution=receiving.name,
        summary=_summary(request, certificates),
    )


def _summary(request, certificates) -> str:
    parts = [
        f"{c.get_kind_display()}证书{c.number}：{c.get_status_display()}"
        for c in certificates
        if c.status != CertificateStatus.CANCELLED
    ]
    return "；".join(parts)


def summary_context(request: TransferRequest, user) -> dict:
    """Rows of 'before → after' for the request page: actual once approved, predicted until then."""
    from personnel.models import Person

    changes = list(
        CertificateChange.objects.filter(request=request).select_related(
            "certificate", "institution_before", "institution_after"
        )
    )
    if changes:
        rows = [
            _row(c.certificate, c.status_before, c.institution_before, c.status_after, c.institution_after)
            for c in changes
        ]
    else:
        receiving = Institution.objects.prefetch_related("qualifications").get(
            pk=request.receiving_institution_id
        )
        certificates = PostCertificate.objects.filter(holder_id=request.person_id).select_related(
            "institution"
        )
        rows = [_row(c, c.status, c.institution, *predicted_outcome(c, receiving)) for c in certificates]
    person_visible = Person.objects.visible_to(user).filter(pk=request.person_id).exists()
    return {"certificate_rows": rows, "changes": changes, "person_visible": person_visible}


def _row(certificate, before_status, before_institution, after_status, after_institution) -> dict:
    labels = dict(CertificateStatus.choices)
    return {
        "certificate": certificate,
        "before_status": before_status,
        "before_label": labels[before_status],
        "before_institution": before_institution,
        "after_status": after_status,
        "after_label": labels[after_status],
        "after_institution": after_institution,
    }
