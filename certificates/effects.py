"""Effects shared by the certificate processes, run inside the approving action's transaction."""

from institutions.models import Kind
from reviews.actions import file_request

from .models import Announcement, CertificateChange, CertificateStatus, PostCertificate, PrintTask


def file_for_certificates(model, user, certificates, scans_by_type: dict, **fields):
    """File a request of ``model`` by the user's institution about one person's ``certificates``
    (reviewed by the institution's city, then the province)."""
    kinds = {c.kind for c in certificates}
    request = model(
        institution=user.institution,
        person=certificates[0].holder,
        module_jc=Kind.JC in kinds,
        module_dj=Kind.DJ in kinds,
        **fields,
    )
    return file_request(
        request,
        user,
        cities={user.institution.city_id},
        scans_by_type=scans_by_type,
        on_saved=lambda r: r.certificates.set(certificates),
    )


def locked_certificates(**filters):
    return list(PostCertificate.objects.select_for_update().filter(**filters).order_by("-kind"))


def change_certificate(request, certificate, transition: str, actor, *args) -> CertificateChange:
    """Run a certificate's ``transition`` as the effect of ``request`` (recorded with its name and
    number), save it, and record what changed (before → after)."""
    before = (certificate.status, certificate.institution_id, certificate.edition)
    description = f"{request.get_type_display()} #{request.pk}"
    getattr(certificate, transition)(*args, by=actor, description=description)
    certificate.save()
    return CertificateChange.objects.create(
        request=request,
        certificate=certificate,
        status_before=before[0],
        institution_before_id=before[1],
        edition_before=before[2],
        status_after=certificate.status,
        institution_after_id=certificate.institution_id,
        edition_after=certificate.edition,
    )


def announce(request, person, certificates, *, to_institution="") -> Announcement:
    """Publish 公告 for an approved request: name and numbers, never an ID number."""
    return Announcement.objects.create(
        request=request,
        type=request.type,
        person_name=person.name,
        certificate_numbers="、".join(c.number for c in certificates),
        from_institution=request.institution.name,
        to_institution=to_institution,
        summary="；".join(f"{c.get_kind_display()}证书{c.number}：{_outcome(c)}" for c in certificates),
    )


def _outcome(certificate) -> str:
    if certificate.status == CertificateStatus.CANCELLED:
        return "注销"
    if certificate.edition > 1:
        return f"{certificate.get_status_display()}，第{certificate.edition}版"
    return certificate.get_status_display()


def change_rows(request) -> list[dict]:
    """Rows of 'before → after' for an approved request's page."""
    changes = CertificateChange.objects.filter(request=request).select_related(
        "certificate", "institution_before", "institution_after"
    )
    return [
        row(
            c.certificate,
            c.status_before,
            c.institution_before,
            c.status_after,
            c.institution_after,
            c.edition_before,
            c.edition_after,
        )
        for c in changes
    ]


def row(
    certificate,
    before_status,
    before_institution,
    after_status,
    after_institution,
    before_edition=None,
    after_edition=None,
) -> dict:
    labels = dict(CertificateStatus.choices)
    return {
        "certificate": certificate,
        "before_status": before_status,
        "before_label": labels[before_status],
        "before_institution": before_institution,
        "before_edition": before_edition or certificate.edition,
        "after_status": after_status,
        "after_label": labels[after_status],
        "after_institution": after_institution,
        "after_edition": after_edition or certificate.edition,
    }


def void_unsent_prints(certificate, actor, reason: str) -> None:
    """Void the certificate's print tasks that have not left the province: what they would print is
    no longer current."""
    unsent = PrintTask.objects.select_for_update().filter(
        certificate=certificate, state__in=[PrintTask.State.PENDING, PrintTask.State.PRINTED]
    )
    for task in unsent:
        task.void(by=actor, description=reason)
        task.save()


def open_print_task(request, certificate, destination_city_id, actor) -> PrintTask:
    """Queue the certificate's current edition for printing (待打印), voiding older unsent ones."""
    void_unsent_prints(certificate, actor, f"{request.get_type_display()} #{request.pk} 产生新证书")
    return PrintTask.objects.create(
        certificate=certificate,
        request=request,
        edition=certificate.edition,
        destination_city_id=destination_city_id,
    )
