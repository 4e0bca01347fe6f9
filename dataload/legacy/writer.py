"""Writing a `Plan`: creates its institutions, people and certificates with bulk inserts.

Call it inside a transaction, after `plan_import()` found no errors; it only inserts, never updates.
"""

from __future__ import annotations

from certificates.models import PostCertificate
from institutions.models import Institution
from personnel.models import Employment, EmploymentSource, Person
from web import freshness

from .existing import Existing, Plan, chunks
from .progress import BATCH_SIZE, Progress
from .validate import ParsedCertificate, ParsedRow


def write(plan: Plan, existing: Existing, cities: dict[str, int], progress: Progress) -> None:
    """Create the planned rows with bulk inserts (pks come back from SQLite ≥ 3.35 and PostgreSQL).

    `cities` maps city names to pks."""
    created = Institution.objects.bulk_create(
        [_institution(row, cities) for row in plan.institutions], batch_size=BATCH_SIZE
    )
    institution_ids = {known.name: known.pk for known in existing.institutions.values()}
    institution_ids |= {institution.name: institution.pk for institution in created}
    person_ids = {number: known.pk for number, known in existing.people.items()}
    for batch in chunks(plan.people, BATCH_SIZE):
        people = Person.objects.bulk_create([_person(row, institution_ids) for row in batch])
        person_ids |= {person.id_number: person.pk for person in people}
        Employment.objects.bulk_create(
            [_employment(row, person) for row, person in zip(batch, people, strict=True)]
        )
        progress.advance(len(batch))
    for batch in chunks(plan.certificates, BATCH_SIZE):
        PostCertificate.objects.bulk_create(
            [_certificate(row, certificate, person_ids, institution_ids) for row, certificate in batch]
        )
        progress.advance(len(batch))
    freshness.changed()  # the lists' counts and the menus are stale once this commits
    progress.finish()


def _institution(row: ParsedRow, cities: dict[str, int]) -> Institution:
    return Institution(
        name=row.institution,
        credit_code=row.credit_code,
        city_id=cities[row.city],
        status=Institution.Status.ACTIVE,
    )


def _person(row: ParsedRow, institution_ids: dict[str, int]) -> Person:
    return Person(
        name=row.name,
        id_number=row.id_number,
        gender=row.gender,
        birth_date=row.birth_date,
        education=row.education,
        title=row.title,
        phone=row.phone,
        institution_id=institution_ids[row.institution],
    )


def _employment(row: ParsedRow, person: Person) -> Employment:
    """A new person's current period at the row's institution, from 入职日期 (unknown if empty)."""
    return Employment(
        person=person,
        institution_id=person.institution_id,
        start=row.hired_on,
        source=EmploymentSource.LEGACY,
    )


def _certificate(
    row: ParsedRow,
    certificate: ParsedCertificate,
    person_ids: dict[str, int],
    institution_ids: dict[str, int],
) -> PostCertificate:
    return PostCertificate(
        kind=certificate.kind,
        number=certificate.number,
        holder_id=person_ids[row.id_number],
        institution_id=institution_ids[row.institution],
        issued_on=certificate.issued_on,
    )
