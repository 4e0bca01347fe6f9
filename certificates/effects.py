"""Effects shared by the certificate processes, run inside the approving action's transaction."""

from institutions.models import Kind
from reviews.actions import file_application
from reviews.models import State
from reviews.processes import FilingRefused

from .models import (
    LIVE_STATUSES,
    Announcement,
    CertificateChange,
    CertificateStatus,
    PostCertificate,
    PrintTask,
)


def file_for_certificates(model, user, certificates, scans_by_type: dict, **fields):
    """File an application of ``model`` by the user's institution about one person's ``certificates``
    (reviewed by the institution's city, then the province)."""
    certificates = list(certificates)
    if not certificates:
        raise FilingRefused("请选择证书。")
    kinds = {c.kind for c in certificates}
    application = model(
        person=certificates[0].holder,
        module_jc=Kind.JC in kinds,
        module_dj=Kind.DJ in kinds,
        **fields,
    )
    application.chosen_certificates = certificates
    return file_application(
        application,
        user,
        scans_by_type=scans_by_type,
        on_saved=lambda saved: saved.certificates.set(certificates),
    )


def check_certificates_at_filer(user, application) -> None:
    """补证's rule: the certificates are one person's, live and held at the filer's institution
    (``chosen_certificates`` while filing, the saved ones on resubmission). A 调离 certificate is held
    by no institution, so it gets no 补证 (docs/domain.md, 人员上岗证补办)."""
    _check_certificates(user, application, detached_ok=False)


def check_certificates_of_filer_people(user, application) -> None:
    """注销's rule: as 补证's, and a 调离 certificate of a person who works at the filer's institution
    (its holder's current institution) may be chosen too."""
    _check_certificates(user, application, detached_ok=True)


def _check_certificates(user, application, *, detached_ok: bool) -> None:
    certificates = getattr(application, "chosen_certificates", None)
    if certificates is None:
        certificates = list(application.certificates.all())
    certificates = PostCertificate.objects.filter(pk__in=[c.pk for c in certificates]).select_related(
        "holder"
    )
    if len({c.holder_id for c in certificates}) > 1:
        raise FilingRefused("一次只能为同一人员的证书提出申请。")
    for certificate in certificates:
        if certificate.holder_id != application.person_id:
            raise FilingRefused(f"证书{certificate.number}不在本机构，不能办理此项申请。")
        if certificate.status not in LIVE_STATUSES:
            raise FilingRefused(
                f"证书{certificate.number}已{certificate.get_status_display()}，不能办理此项申请。"
            )
        if certificate.status == CertificateStatus.DETACHED:
            if not detached_ok:
                raise FilingRefused(
                    f"证书{certificate.number}已调离，不在任何机构名下，不能补证："
                    "持证人进入具有该类资质的机构、证书恢复后再办理补证。"
                )
            if certificate.holder.institution_id != user.institution_id:
                raise FilingRefused(f"证书{certificate.number}的持证人不是本机构人员，不能办理此项申请。")
        elif certificate.institution_id != user.institution_id:
            raise FilingRefused(f"证书{certificate.number}不在本机构，不能办理此项申请。")


def locked_certificates(**filters):
    return list(PostCertificate.objects.select_for_update().filter(**filters).order_by("-kind"))


def change_certificate(application, certificate, transition: str, actor, *args) -> CertificateChange:
    """Run a certificate's ``transition`` as the effect of ``application`` (recorded with its name and
    number), save it, and record what changed (before → after)."""
    before = (certificate.status, certificate.institution_id, certificate.edition)
    description = f"{application.get_type_display()} #{application.pk}"
    getattr(certificate, transition)(*args, by=actor, description=description)
    certificate.save()
    return CertificateChange.objects.create(
        application=application,
        certificate=certificate,
        status_before=before[0],
        institution_before_id=before[1],
        edition_before=before[2],
        status_after=certificate.status,
        institution_after_id=certificate.institution_id,
        edition_after=certificate.edition,
    )


def announce(application, person, certificates, *, to_institution="") -> Announcement:
    """Publish 公告 for an approved application: name and numbers, never an ID number."""
    return Announcement.objects.create(
        application=application,
        type=application.type,
        person_name=person.name,
        certificate_numbers="、".join(c.number for c in certificates),
        from_institution=application.institution.name,
        to_institution=to_institution,
        summary="；".join(f"{c.get_kind_display()}证书{c.number}：{_outcome(c)}" for c in certificates),
    )


def _outcome(certificate) -> str:
    if certificate.status == CertificateStatus.CANCELLED:
        return "注销"
    if certificate.edition > 1:
        return f"{certificate.get_status_display()}，第{certificate.edition}版"
    return certificate.get_status_display()


def change_rows(application) -> list[dict]:
    """Rows of 'before → after' for an approved application's page (changes are recorded only by an
    approval, so any other state has none and reads nothing)."""
    if application.state != State.APPROVED:
        return []
    changes = CertificateChange.objects.filter(application=application).select_related(
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


def open_print_task(application, certificate, destination_city_id, actor) -> PrintTask:
    """Queue the certificate's current edition for printing (待打印), voiding older unsent ones."""
    void_unsent_prints(certificate, actor, f"{application.get_type_display()} #{application.pk} 产生新证书")
    return PrintTask.objects.create(
        certificate=certificate,
        application=application,
        edition=certificate.edition,
        destination_city_id=destination_city_id,
    )
