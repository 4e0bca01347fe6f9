"""人员变更调离: what a transfer needs when filed and what it does when the province approves it.

The transfer rule (docs/domain.md, "The transfer rule"): each certificate of the person that is not 注销
follows its holder; it moves to the receiving institution (无信用档案) if that institution holds the kind,
else it is 调离. A 调离 certificate follows the same rule, so it re-attaches when its holder joins an
institution of that kind.
"""

from django.db.models import prefetch_related_objects

from institutions.models import Institution, Kind
from personnel.employment import move
from personnel.models import EmploymentSource, Person
from reviews.actions import file_application, refuse_closed_destination
from reviews.processes import (
    COLOUR_SCAN,
    PAGED_SCAN,
    SOCIAL_SECURITY_SCAN,
    STAMPED_SCAN,
    FilingRefused,
    Process,
    ScanSpec,
)

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
    transfer = TransferRequest(
        receiving_institution=receiving,
        person=person,
        module_jc=Kind.JC in kinds,
        module_dj=Kind.DJ in kinds,
    )
    return file_application(transfer, user, scans_by_type=scans_by_type)


def check_filing(user, transfer: TransferRequest) -> None:
    """The person works at the filer's institution and holds a live certificate; the receiver is
    another institution that may receive staff."""
    person = Person.objects.get(pk=transfer.person_id)
    if person.institution_id != user.institution_id:
        raise FilingRefused(f"{person.name}不是本机构人员，不能办理调离。")
    if not person.certificates.live().exists():
        raise FilingRefused(f"{person.name}没有有效的岗位合格证书，无需办理调离。")
    # Read afresh: the province may have suspended or closed it since the form was loaded.
    receiving = Institution.objects.filter(pk=transfer.receiving_institution_id).first()
    if receiving is None or receiving.pk == user.institution_id:
        raise FilingRefused("请选择本机构以外的调入机构。")
    if not receiving.operating:
        raise FilingRefused(
            f"{receiving.name}当前不能接收人员（机构状态：{receiving.get_status_display()}）。"
        )


def apply(transfer: TransferRequest, actor) -> None:
    """The effect of approval: a cancelled certificate never moves or revives."""
    receiving = Institution.objects.prefetch_related("qualifications").get(
        pk=transfer.receiving_institution_id
    )
    refuse_closed_destination(receiving)  # never moves a person to a suspended or closed institution
    person = transfer.person
    certificates = [c for c in locked_certificates(holder=person) if c.status != CertificateStatus.CANCELLED]
    for certificate in certificates:
        change_certificate(transfer, certificate, "follow_holder", actor, receiving)
        if certificate.institution_id:  # moved: print it with its new institution
            open_print_task(transfer, certificate, receiving.city_id, actor)
        else:
            void_unsent_prints(certificate, actor, f"人员变更调离 #{transfer.pk}：证书调离")
    person.institution = receiving
    person.save(update_fields=["institution"])
    move(person, receiving, EmploymentSource.TRANSFER, application=transfer)
    announce(transfer, person, certificates, to_institution=receiving.name)


def summary(transfer: TransferRequest, user) -> dict:
    """Rows of 'before → after' for the application page: actual once approved, predicted until then."""
    rows = change_rows(transfer)
    if not rows:
        receiving = transfer.receiving_institution  # the page reads it with the application
        prefetch_related_objects([receiving], "qualifications")
        certificates = PostCertificate.objects.filter(holder_id=transfer.person_id).select_related(
            "institution"
        )
        rows = [row(c, c.status, c.institution, *predicted_outcome(c, receiving)) for c in certificates]
    # Whether the person links to their page is the page's own ``subject_visible`` (asked once).
    return {"certificate_rows": rows, "changes": transfer.state == "approved"}


TRANSFER = Process(
    type="transfer",
    label="人员变更调离",
    model=TransferRequest,
    review_title="人员变更审批",
    filer_scans=(ScanSpec("termination", "解除劳动关系证明", help_text=STAMPED_SCAN),),
    receiver_scans=(
        ScanSpec(
            "labour_contract", "劳动合同", multiple=True, paged=True, help_text=f"{COLOUR_SCAN}；{PAGED_SCAN}"
        ),
        ScanSpec("social_security", "社保缴费清单", multiple=True, help_text=SOCIAL_SECURITY_SCAN),
        ScanSpec("certificate_scan", "上岗证", multiple=True, help_text=f"岗位合格证书的{COLOUR_SCAN}"),
    ),
    review_verb="审批",
    correction_form="certificates.forms.TransferForm",
    check_filing=check_filing,
    apply=apply,
    summary=summary,
    change_list_url="transfer_list",
    summary_template="certificates/includes/_transfer_summary.html",
)
