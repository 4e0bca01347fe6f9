"""人员变更调离: what a transfer needs when filed and what it does when the province approves it."""

from institutions.models import Institution, Kind
from personnel.models import Person
from reviews.actions import file_request

from .effects import (
    announce,
    change_certificate,
    change_rows,
    locked_certificates,
    open_print_task,
    row,
    void_unsent_prints,
)
from .models import CertificateStatus, PostCertificate, TransferRequest, predicted_outcome


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
    """The effect of approval (DOMAIN §3.1 step 5): a cancelled certificate never moves or revives."""
    receiving = Institution.objects.prefetch_related("qualifications").get(
        pk=request.receiving_institution_id
    )
    person = request.person
    certificates = [c for c in locked_certificates(holder=person) if c.status != CertificateStatus.CANCELLED]
    for certificate in certificates:
        change_certificate(request, certificate, "follow_holder", actor, receiving)
        if certificate.institution_id:  # moved: print it with its new institution
            open_print_task(request, certificate, receiving.city_id, actor)
        else:
            void_unsent_prints(certificate, actor, f"人员变更调离 #{request.pk}：证书调离")
    person.institution = receiving
    person.save(update_fields=["institution"])
    announce(request, person, certificates, to_institution=receiving.name)


def summary_context(request: TransferRequest, user) -> dict:
    """Rows of 'before → after' for the request page: actual once approved, predicted until then."""
    rows = change_rows(request)
    if not rows:
        receiving = Institution.objects.prefetch_related("qualifications").get(
            pk=request.receiving_institution_id
        )
        certificates = PostCertificate.objects.filter(holder_id=request.person_id).select_related(
            "institution"
        )
        rows = [row(c, c.status, c.institution, *predicted_outcome(c, receiving)) for c in certificates]
    person_visible = Person.objects.visible_to(user).filter(pk=request.person_id).exists()
    return {
        "certificate_rows": rows,
        "changes": request.state == "approved",
        "person_visible": person_visible,
    }
