"""Checking the file on its own: `validate_rows()` parses each `SourceRow` into a `ParsedRow` and checks
the rows against each other.

Pure: no database access (the known city names are passed in). Every bad cell gives one `RowError`;
a row with any error is left out of `Validation.rows`. Raises `LegacyFileError` when there are no rows.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from personnel.validators import birth_date_and_gender

from . import cells as cell
from .columns import (
    CERTIFICATE_COLUMNS,
    CITY,
    CREDIT_CODE,
    EDUCATION,
    GENDER,
    HIRED_ON,
    ID_NUMBER,
    INSTITUTION,
    NAME,
    PHONE,
    TITLE,
    plain,
)
from .errors import LegacyFileError, RowError
from .reader import SourceRow


@dataclass(frozen=True, slots=True)
class ParsedCertificate:
    kind: str
    number: str
    issued_on: datetime.date

    @property
    def number_column(self) -> str:
        return CERTIFICATE_COLUMNS[self.kind][0]

    @property
    def date_column(self) -> str:
        return CERTIFICATE_COLUMNS[self.kind][1]


@dataclass(slots=True)
class ParsedRow:
    """One row's values, normalised. A field is None when its cell was invalid (see the row's errors)."""

    row: int
    institution: str | None = None
    credit_code: str | None = None
    city: str | None = None
    name: str | None = None
    id_number: str | None = None
    gender: str = ""
    birth_date: datetime.date | None = None
    education: str = ""
    title: str = ""
    phone: str = ""
    hired_on: datetime.date | None = None
    certificates: list[ParsedCertificate] = field(default_factory=list)


@dataclass
class Validation:
    """`rows`: the rows without errors; `errors`: every error found in the file; `total`: rows read."""

    rows: list[ParsedRow]
    errors: list[RowError]
    total: int


def validate_rows(rows: Iterable[SourceRow], city_names: Iterable[str]) -> Validation:
    """Check each row's cells and the rows against each other (no database access)."""
    cities = frozenset(city_names)
    checker = _FileChecker()
    valid, errors, total = [], [], 0
    for source in rows:
        total += 1
        parsed, row_errors = _parse_row(source, cities)
        row_errors += checker.check(parsed)
        errors += row_errors
        if not row_errors:
            valid.append(parsed)
    if total == 0:
        raise LegacyFileError("文件中没有数据行：第 1 行为列名，数据应从第 2 行开始")
    return Validation(valid, errors, total)


class _Cells:
    """Parses one row's cells, collecting an error per bad cell rather than stopping at the first."""

    def __init__(self, source: SourceRow):
        self.source = source
        self.errors: list[RowError] = []

    def raw(self, column: str) -> object:
        return self.source.values.get(column)

    def parse(self, column: str, parser: Callable, *args):
        try:
            return parser(self.raw(column), *args)
        except ValidationError as exc:
            self.error(column, exc.messages[0])
            return None

    def error(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.source.number, column, message))


def _parse_row(source: SourceRow, cities: frozenset[str]) -> tuple[ParsedRow, list[RowError]]:
    cells = _Cells(source)
    row = ParsedRow(source.number)
    row.institution = cells.parse(INSTITUTION, cell.text, 100, True)
    row.credit_code = cells.parse(CREDIT_CODE, cell.credit_code)
    row.city = cells.parse(CITY, cell.city, cities)
    row.name = cells.parse(NAME, cell.text, 50, True)
    row.id_number = cells.parse(ID_NUMBER, cell.id_number)
    if row.id_number:
        row.birth_date, row.gender = birth_date_and_gender(row.id_number)
    cells.parse(GENDER, cell.gender, row.gender)
    row.education = cells.parse(EDUCATION, cell.text, 30) or ""
    row.title = cells.parse(TITLE, cell.text, 30) or ""
    row.phone = cells.parse(PHONE, cell.text, 30) or ""
    row.certificates = _parse_certificates(cells)
    row.hired_on = cells.parse(HIRED_ON, cell.date, HIRED_ON)
    if row.hired_on and row.birth_date and row.hired_on <= row.birth_date:
        cells.error(HIRED_ON, "入职日期早于出生日期")
    return row, cells.errors


def _parse_certificates(cells: _Cells) -> list[ParsedCertificate]:
    """Each kind needs both its number and its date, or neither."""
    certificates = []
    for kind, (number_column, date_column) in CERTIFICATE_COLUMNS.items():
        number = cells.parse(number_column, cell.certificate_number)
        issued_on = cells.parse(date_column, cell.date)
        if number and issued_on:
            certificates.append(ParsedCertificate(kind, number, issued_on))
        elif number and not plain(cells.raw(date_column)):
            cells.error(date_column, "填写了证书编号，但缺少发证日期")
        elif issued_on and not plain(cells.raw(number_column)):
            cells.error(number_column, "填写了发证日期，但缺少证书编号")
    return certificates


class _FileChecker:
    """Checks rows against the rows before them: repeated people and certificates, one code per name."""

    def __init__(self):
        self.people: dict[str, int] = {}
        self.certificates: dict[tuple[str, str], int] = {}
        self.institutions: dict[str, ParsedRow] = {}
        self.codes: dict[str, ParsedRow] = {}

    def check(self, row: ParsedRow) -> list[RowError]:
        errors = []
        if row.id_number:
            first = self.people.setdefault(row.id_number, row.row)
            if first != row.row:
                errors.append(RowError(row.row, ID_NUMBER, f"与第 {first} 行的身份证号重复"))
        for certificate in row.certificates:
            first = self.certificates.setdefault((certificate.kind, certificate.number), row.row)
            if first != row.row:
                errors.append(RowError(row.row, certificate.number_column, f"与第 {first} 行的证书编号重复"))
        if row.institution and row.credit_code and row.city:
            errors += self._check_institution(row)
        return errors

    def _check_institution(self, row: ParsedRow) -> list[RowError]:
        first = self.institutions.setdefault(row.institution, row)
        errors = []
        if first.credit_code != row.credit_code:
            message = f"与第 {first.row} 行同名机构的统一社会信用代码（{first.credit_code}）不一致"
            errors.append(RowError(row.row, CREDIT_CODE, message))
        if first.city != row.city:
            errors.append(
                RowError(row.row, CITY, f"与第 {first.row} 行同名机构的所在市（{first.city}）不一致")
            )
        other = self.codes.setdefault(row.credit_code, row)
        if other.institution != row.institution:
            message = f"与第 {other.row} 行的机构“{other.institution}”的统一社会信用代码相同"
            errors.append(RowError(row.row, CREDIT_CODE, message))
        return errors
