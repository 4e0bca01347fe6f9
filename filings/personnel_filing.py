"""人员备案: filing a new person or changed details, and the effect of approval."""

import hashlib

from django.core.exceptions import ValidationError
from django.db import connection

from certificates.effects import change_certificate, change_rows, locked_certificates, open_print_task
from certificates.models import CertificateStatus
from institutions.models import Institution, Kind
from personnel.employment import move
from personnel.models import EmploymentSource, Person
from reviews.actions import file_application, refuse_closed_destination
from reviews.processes import (
    COLOUR_SCAN,
    ID_NUMBER_ON_FILE,
    PAGED_SCAN,
    SOCIAL_SECURITY_SCAN,
    FilingRefused,
    Process,
    ScanSpec,
)

from .models import PersonnelFiling


def file_personnel(user, filing: PersonnelFiling, *, person: Person | None, kind, scans_by_type: dict):
    """添加人员 (``person`` None) or a change of ``person``'s details, filed from module ``kind``."""
    kinds = {kind}
    if person is not None:
        kinds |= {c.kind for c in person.certificates.all()}
    filing.person = person
    filing.before = snapshot(person) if person is not None else None
    filing.module_jc = Kind.JC in kinds
    filing.module_dj = Kind.DJ in kinds
    return file_application(filing, user, scans_by_type=scans_by_type)


# ID_NUMBER_ON_FILE: the code of a refusal that tells the filer an ID number is known to the system
# (counted per login: a filer may not probe ID numbers by filing or correcting).


def lock_id_number(id_number: str) -> None:
    """Serialise every filing naming ``id_number`` until the transaction ends: a person-to-be has no row
    to lock, so two app servers filing the same new person at once take this lock in turn and the second
    sees the first's open filing. (SQLite serialises every write transaction anyway.)"""
    if connection.vendor == "postgresql" and id_number:
        key = int.from_bytes(
            hashlib.sha256(f"personnel_filing:{id_number}".encode()).digest()[:8], "big", signed=True
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def check_filing(user, filing: PersonnelFiling) -> None:
    """A change is filed by the person's own institution; an ID number belongs to one person and to at
    most one open filing for someone new. A clash never names the other institution.

    Runs in the filing's (or resubmission's) transaction, holding the ID number's lock."""
    lock_id_number(filing.id_number)
    if filing.person_id is not None:
        person = Person.objects.get(pk=filing.person_id)
        if person.institution_id != user.institution_id:
            raise FilingRefused(f"{person.name}不是本机构人员，只有人员所在机构可以办理人员备案。")
    holder = (
        Person.objects.filter(id_number=filing.id_number)
        .exclude(pk=filing.person_id)
        .select_related("institution")
        .first()
    )
    if holder and holder.institution_id is not None and holder.institution_id == user.institution_id:
        raise _on_file("该身份证号已是本机构人员，请在基本信息中点击其姓名办理信息变更。")
    if holder and not (filing.person_id is None and _left_behind(holder)):
        raise _on_file("该身份证号已在其他机构备案，调入人员请由原机构办理人员变更调离。")
    if filing.person_id is None:
        pending = PersonnelFiling.objects.open().filter(id_number=filing.id_number, person=None)
        if pending.exclude(pk=filing.pk).exists():
            raise _on_file("该身份证号已有未办结的人员备案申请。")


def _left_behind(person) -> bool:
    """A person of a closed (注销) institution: no one can file a transfer for them, so the institution
    that takes them on files them by 人员备案 (their certificates are 调离 and re-attach on approval)."""
    return person.institution is not None and person.institution.status == Institution.Status.CANCELLED


def _on_file(message: str) -> FilingRefused:
    return FilingRefused({"id_number": ValidationError(message, code=ID_NUMBER_ON_FILE)})


def apply(filing: PersonnelFiling, actor) -> None:
    """Update (or create) the person; their 无信用档案 certificates at this institution become 正常."""
    values = {f: getattr(filing, f) for f in PersonnelFiling.FIELDS}
    if filing.person_id is None:
        refuse_closed_destination(filing.institution)  # never places a person at a closed institution
    lock_id_number(filing.id_number)
    clash = Person.objects.filter(id_number=filing.id_number).exclude(pk=filing.person_id)
    if filing.person_id is None:
        # Someone left behind by a closed (注销) institution is taken on below, not a duplicate.
        clash = clash.exclude(institution__status=Institution.Status.CANCELLED)
    if clash.exists():
        # A duplicate filed before filings were serialised (or a record created meanwhile): refused
        # with a message, never a failed insert; the reviewer returns it and the filer withdraws it.
        raise FilingRefused(
            "该身份证号已有人员档案（同一人员的另一份人员备案已通过），本申请不能通过，请退回申请单位撤回。"
        )
    if filing.person_id is None:
        person = (
            Person.objects.select_for_update()
            .filter(id_number=filing.id_number, institution__status=Institution.Status.CANCELLED)
            .first()
        )
        if person is None:
            person = Person.objects.create(institution=filing.institution, **values)
            move(person, filing.institution, EmploymentSource.FILING, application=filing)
        else:
            _take_on(filing, person, values, actor)
        PersonnelFiling.objects.filter(pk=filing.pk).update(person=person)
        filing.person = person
    else:
        person = Person.objects.select_for_update().get(pk=filing.person_id)
        for field, value in values.items():
            setattr(person, field, value)
        person.save(update_fields=list(values))
    for certificate in locked_certificates(
        holder=person, institution=filing.institution, status=CertificateStatus.NO_CREDIT_FILE
    ):
        change_certificate(filing, certificate, "file_credit", actor)


def _take_on(filing, person, values, actor) -> None:
    """A person of a closed institution joins the filer: the transfer rule for each 调离 certificate."""
    for field, value in values.items():
        setattr(person, field, value)
    person.institution = filing.institution
    person.save()
    move(person, filing.institution, EmploymentSource.FILING, application=filing)
    institution = Institution.objects.prefetch_related("qualifications").get(pk=filing.institution_id)
    for certificate in locked_certificates(holder=person, status=CertificateStatus.DETACHED):
        change = change_certificate(filing, certificate, "follow_holder", actor, institution)
        if certificate.institution_id:
            # Re-attached (无信用档案) and filed here at once: 正常, one change row from 调离.
            certificate.file_credit(by=actor, description=f"人员备案 #{filing.pk}")
            certificate.save()
            change.status_after = certificate.status
            change.save(update_fields=["status_after"])
            open_print_task(filing, certificate, institution.city_id, actor)


def snapshot(obj) -> dict:
    """The filed fields of a person or a filing, as text (kept on the filing as 'before')."""
    return {f: str(getattr(obj, f) or "") for f in PersonnelFiling.FIELDS}


def comparison(filing: PersonnelFiling) -> list[dict]:
    """Field by field: label, value before (empty for a new person), value filed, whether it changes."""
    after = snapshot(filing)
    rows = []
    for field in PersonnelFiling.FIELDS:
        old = filing.before.get(field) if filing.before else None
        rows.append(
            {
                "label": PersonnelFiling._meta.get_field(field).verbose_name,
                "before": old,
                "after": after[field],
                "changed": old is not None and old != after[field],
            }
        )
    return rows


def summary(filing: PersonnelFiling, user) -> dict:
    return {"comparison": comparison(filing), "certificate_rows": change_rows(filing), "changes": True}


PERSONNEL_FILING = Process(
    type="personnel_filing",
    label="人员备案",
    model=PersonnelFiling,
    review_title="人员备案审核",
    filer_scans=(
        ScanSpec(
            "id_card", "身份证正反面", multiple=True, identity=True, help_text=f"身份证正反面的{COLOUR_SCAN}"
        ),
        ScanSpec("diploma", "学历证书", multiple=True, help_text=COLOUR_SCAN),
        ScanSpec("title_certificate", "职称证书", multiple=True, help_text=COLOUR_SCAN),
        ScanSpec(
            "labour_contract", "劳动合同", multiple=True, paged=True, help_text=f"{COLOUR_SCAN}；{PAGED_SCAN}"
        ),
        ScanSpec("social_security", "社保缴费清单", multiple=True, help_text=SOCIAL_SECURITY_SCAN),
    ),
    correction_form="filings.forms.PersonnelFilingForm",
    # Approval of someone new places them at the filer; a change of details places no one.
    destination=lambda filing: filing.institution if filing.person_id is None else None,
    check_filing=check_filing,
    apply=apply,
    summary=summary,
    summary_template="filings/includes/_personnel_filing_summary.html",
    subject=lambda filing: filing.name,
)
