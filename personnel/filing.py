"""人员备案: filing a new person or changed details, and the effect of approval."""

from institutions.models import Kind
from reviews.actions import file_request

from .models import Person, PersonnelFiling


def file_personnel(user, filing: PersonnelFiling, *, person: Person | None, kind, scans_by_type: dict):
    """添加人员 (``person`` None) or a change of ``person``'s details, filed from module ``kind``."""
    kinds = {kind}
    if person is not None:
        kinds |= {c.kind for c in person.certificates.all()}
    filing.institution = user.institution
    filing.person = person
    filing.before = snapshot(person) if person is not None else None
    filing.module_jc = Kind.JC in kinds
    filing.module_dj = Kind.DJ in kinds
    return file_request(filing, user, cities={user.institution.city_id}, scans_by_type=scans_by_type)


def apply(filing: PersonnelFiling, actor) -> None:
    """Update (or create) the person; their 无信用档案 certificates at this institution become 正常."""
    from certificates.effects import change_certificate, locked_certificates
    from certificates.models import CertificateStatus

    values = {f: getattr(filing, f) for f in PersonnelFiling.FIELDS}
    if filing.person_id is None:
        person = Person.objects.create(institution=filing.institution, **values)
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


def summary_context(filing: PersonnelFiling, user) -> dict:
    from certificates.effects import change_rows

    return {"comparison": comparison(filing), "certificate_rows": change_rows(filing), "changes": True}
