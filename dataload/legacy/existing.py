"""Checking the file against the database: `Existing.load()` reads what the database already holds for
the file's keys in a few queries; `plan_import()` checks the valid rows against that snapshot and decides
what to create.

`plan_import()` is pure: it never queries, and existing rows are never to be modified — differences that
are not errors become `Plan.notes`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from certificates.models import PostCertificate
from institutions.models import Institution, Kind
from personnel.models import Person
from personnel.validators import mask_id_number

from .columns import CITY, CREDIT_CODE, INSTITUTION, NAME
from .errors import RowError
from .validate import ParsedCertificate, ParsedRow

# Keeps every IN (...) list under SQLite's historical limit of 999 bound parameters.
LOOKUP_CHUNK = 900


class KnownInstitution(NamedTuple):
    pk: int
    name: str
    credit_code: str
    city: str


class KnownPerson(NamedTuple):
    pk: int
    name: str
    institution_id: int | None


class KnownCertificate(NamedTuple):
    kind: str
    number: str
    holder_id_number: str
    holder_name: str
    issued_on: datetime.date


@dataclass
class Existing:
    """A snapshot of what the database holds for one file: all institutions, and the people and
    certificates that share an ID number or a certificate number with the file's rows."""

    institutions: dict[str, KnownInstitution]
    people: dict[str, KnownPerson]
    certificates: dict[tuple[str, str], KnownCertificate]

    def __post_init__(self):
        self.institution_names = {known.pk: known.name for known in self.institutions.values()}
        self.holdings = {(c.holder_id_number, c.kind): c for c in self.certificates.values()}

    @classmethod
    def load(cls, rows: Sequence[ParsedRow]) -> Existing:
        """Read the snapshot: one query for the institutions, then one per `LOOKUP_CHUNK` keys."""
        institutions = _load_institutions()
        people = _load_people({row.id_number for row in rows})
        numbers = {certificate.number for row in rows for certificate in row.certificates}
        return cls(institutions, people, _load_certificates(numbers, people))


def _load_institutions() -> dict[str, KnownInstitution]:
    return {
        name: KnownInstitution(pk, name, code, city)
        for pk, name, code, city in Institution.objects.values_list("pk", "name", "credit_code", "city__name")
    }


def _load_people(id_numbers: set[str]) -> dict[str, KnownPerson]:
    people = {}
    for chunk in chunks(sorted(id_numbers)):
        found = Person.objects.filter(id_number__in=chunk)
        for pk, number, name, institution_id in found.values_list(
            "pk", "id_number", "name", "institution_id"
        ):
            people[number] = KnownPerson(pk, name, institution_id)
    return people


def _load_certificates(
    numbers: set[str], people: dict[str, KnownPerson]
) -> dict[tuple[str, str], KnownCertificate]:
    """Certificates with the file's numbers (clashes), and those its known people hold (one per kind)."""
    lookups = [{"number__in": chunk} for chunk in chunks(sorted(numbers))]
    lookups += [{"holder__id_number__in": chunk} for chunk in chunks(sorted(people))]
    certificates = {}
    for lookup in lookups:
        found = PostCertificate.objects.filter(**lookup)
        for values in found.values_list("kind", "number", "holder__id_number", "holder__name", "issued_on"):
            certificates[values[:2]] = KnownCertificate(*values)
    return certificates


def chunks(items: Sequence, size: int = LOOKUP_CHUNK) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class Plan:
    """What an import would create. `skipped`: rows already in the database; `notes`: differences
    between the file and the database that are not errors (existing rows are never modified)."""

    institutions: list[ParsedRow] = field(default_factory=list)
    people: list[ParsedRow] = field(default_factory=list)
    certificates: list[tuple[ParsedRow, ParsedCertificate]] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    notes: list[RowError] = field(default_factory=list)


def plan_import(rows: Iterable[ParsedRow], existing: Existing) -> tuple[Plan, list[RowError]]:
    """Check valid rows against the database snapshot; return what to create and the errors found."""
    plan, errors = Plan(), []
    codes = {known.credit_code: known.name for known in existing.institutions.values()}
    seen_institutions = set()
    for row in rows:
        if row.institution not in seen_institutions:
            seen_institutions.add(row.institution)
            errors += _plan_institution(row, existing, codes, plan)
        errors += _plan_person(row, existing, plan)
    return plan, errors


def _plan_institution(
    row: ParsedRow, existing: Existing, codes: dict[str, str], plan: Plan
) -> list[RowError]:
    known = existing.institutions.get(row.institution)
    if known is None:
        if holder := codes.get(row.credit_code):
            return [RowError(row.row, CREDIT_CODE, f"已被系统中的机构“{holder}”使用")]
        plan.institutions.append(row)
        return []
    errors = []
    if known.credit_code != row.credit_code:
        message = f"系统中机构“{known.name}”的统一社会信用代码为 {known.credit_code}，与本行不一致"
        errors.append(RowError(row.row, CREDIT_CODE, message))
    if known.city != row.city:
        errors.append(RowError(row.row, CITY, f"系统中机构“{known.name}”属于{known.city}，与本行不一致"))
    return errors


def _plan_person(row: ParsedRow, existing: Existing, plan: Plan) -> list[RowError]:
    person = existing.people.get(row.id_number)
    if person and person.name != row.name:
        return [RowError(row.row, NAME, f"此身份证号已在系统中登记为“{person.name}”，与本行姓名不一致")]
    moved_from = None  # the person's institution in the database, when it is not the row's
    institution = existing.institutions.get(row.institution)
    if person and (institution is None or institution.pk != person.institution_id):
        moved_from = existing.institution_names.get(person.institution_id, "（无）")
    new, errors = _plan_certificates(row, existing, moved_from, plan)
    if errors:
        return errors
    if person is None:
        plan.people.append(row)
    elif moved_from:
        plan.notes.append(RowError(row.row, INSTITUTION, f"此人在系统中属于“{moved_from}”（未修改）"))
    plan.certificates += [(row, certificate) for certificate in new]
    if person and not new:
        plan.skipped.append(row.row)
    return []


def _plan_certificates(
    row: ParsedRow, existing: Existing, moved_from: str | None, plan: Plan
) -> tuple[list[ParsedCertificate], list[RowError]]:
    """The row's certificates not yet in the database, and the errors; adds notes to `plan`."""
    new, errors = [], []
    for certificate in row.certificates:
        known = existing.certificates.get((certificate.kind, certificate.number))
        if known is None:
            if error := _new_certificate_error(row, certificate, existing, moved_from):
                errors.append(error)
            else:
                new.append(certificate)
        elif known.holder_id_number != row.id_number:
            holder = f"“{known.holder_name}”（身份证号 {mask_id_number(known.holder_id_number)}）"
            errors.append(RowError(row.row, certificate.number_column, f"证书编号已被系统中的{holder}持有"))
        elif known.issued_on != certificate.issued_on:
            message = f"系统中的发证日期为 {known.issued_on:%Y-%m-%d}，与文件不一致（未修改）"
            plan.notes.append(RowError(row.row, certificate.date_column, message))
    return new, errors


def _new_certificate_error(
    row: ParsedRow, certificate: ParsedCertificate, existing: Existing, moved_from: str | None
) -> RowError | None:
    """Why a certificate not yet in the database cannot be added to this row's person, if it cannot."""
    label = Kind(certificate.kind).label
    if held := existing.holdings.get((row.id_number, certificate.kind)):
        message = f"此人在系统中已持有{label}证书 {held.number}，与本行的证书编号不一致"
        return RowError(row.row, certificate.number_column, message)
    if moved_from:
        message = f"此人在系统中属于“{moved_from}”，无法在本行机构下新增{label}证书"
        return RowError(row.row, INSTITUTION, message)
    return None
