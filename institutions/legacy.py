"""Import of the old system's export (旧系统导出): institutions, people and their post certificates.

The file format is documented in docs/legacy-import.md. The import is all-or-nothing and runs in steps
that can be tested alone:

1. `LegacyFile` streams an .xlsx or .csv file: it checks the header row, then yields `SourceRow`s.
2. `validate_rows()` checks every row, and the rows against each other, without the database.
3. `Existing.load()` reads what the database already holds for the file's keys in a few queries;
   `plan_import()` checks the rows against that snapshot (again pure) and decides what to create.
4. `write()` creates the new institutions, people and certificates with bulk inserts.

`run_import()` runs the steps, the last two in one transaction, and raises `ImportRejected` carrying
every error found: nothing is written unless the whole file is valid. Existing rows are never modified.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import openpyxl
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from openpyxl.utils.datetime import from_excel
from openpyxl.utils.exceptions import InvalidFileException

from certificates.models import PostCertificate
from personnel.models import Person
from personnel.validators import birth_date_and_gender, mask_id_number, validate_id_number

from .models import City, Institution, Kind
from .validators import validate_credit_code

INSTITUTION, CREDIT_CODE, CITY = "机构名称", "统一社会信用代码", "所在市"
NAME, ID_NUMBER, GENDER, EDUCATION, TITLE, PHONE = "姓名", "身份证号", "性别", "学历", "职称", "联系电话"
CERTIFICATE_COLUMNS = {Kind.JC: ("建材证书编号", "建材发证日期"), Kind.DJ: ("地基证书编号", "地基发证日期")}
COLUMNS = (
    *(INSTITUTION, CREDIT_CODE, CITY, NAME, ID_NUMBER, GENDER, EDUCATION, TITLE, PHONE),
    *CERTIFICATE_COLUMNS[Kind.JC],
    *CERTIFICATE_COLUMNS[Kind.DJ],
)
OPTIONAL_COLUMNS = frozenset({GENDER, EDUCATION, TITLE, PHONE})
_COLUMN_ORDER = {column: index for index, column in enumerate(COLUMNS)}

BATCH_SIZE = 1000
# Keeps every IN (...) list under SQLite's historical limit of 999 bound parameters.
LOOKUP_CHUNK = 900
CERTIFICATE_NUMBER_MAX_LENGTH = PostCertificate._meta.get_field("number").max_length
_DATE_PATTERNS = tuple(
    re.compile(pattern)
    for pattern in (
        r"(\d{4})-(\d{1,2})-(\d{1,2})",
        r"(\d{4})/(\d{1,2})/(\d{1,2})",
        r"(\d{4})年(\d{1,2})月(\d{1,2})日",
    )
)


# --- Errors -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RowError:
    """A problem with one cell; `row` is the row number Excel shows (the header is row 1)."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"第 {self.row} 行 [{self.column}] {self.message}"

    def sort_key(self) -> tuple[int, int, str]:
        return self.row, _COLUMN_ORDER.get(self.column, len(COLUMNS)), self.message


class LegacyFileError(Exception):
    """The file cannot be read as an export at all (its type, its bytes or an empty sheet)."""


class ImportRejected(Exception):
    """The file has errors; nothing was written. `errors` are sorted by row and column."""

    def __init__(self, errors: Iterable[RowError]):
        self.errors = sorted(errors, key=RowError.sort_key)
        super().__init__(f"{len(self.errors)} 处错误")

    @property
    def row_count(self) -> int:
        return len({error.row for error in self.errors})


# --- Progress -----------------------------------------------------------------------------------------


class Progress:
    """Writes `校验 [#####.....] 50% 5000/10000 行` every `every` items and once at the end.

    `total` may be an estimate or None; `write` None makes a silent progress.
    """

    WIDTH = 20

    def __init__(self, write: Callable[[str], None] | None, label: str, total: int | None, unit: str):
        self.write, self.label, self.total, self.unit = write, label, total, unit
        self.every = max(BATCH_SIZE, (total or 0) // 20)
        self.done = self.shown = 0

    def track(self, items: Iterable) -> Iterator:
        for item in items:
            yield item
            self.advance()
        self.finish()

    def advance(self, count: int = 1) -> None:
        self.done += count
        if self.done // self.every != self.shown // self.every:
            self._show()

    def finish(self) -> None:
        """Show the final count as the total, unless the last line already did."""
        already_shown = self.shown == self.done == self.total
        self.total = self.done
        if not already_shown:
            self._show()

    def _show(self) -> None:
        self.shown = self.done
        if self.write is None:
            return
        if not self.total:
            self.write(f"{self.label} {self.done} {self.unit}")
            return
        total = max(self.total, self.done)
        filled = self.WIDTH * self.done // total
        bar = "#" * filled + "." * (self.WIDTH - filled)
        self.write(f"{self.label} [{bar}] {100 * self.done // total}% {self.done}/{total} {self.unit}")


# --- 1. Reading ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SourceRow:
    """One data row: cell values by column name, as read (str, int, float, datetime or None)."""

    number: int
    values: dict[str, object]


class LegacyFile:
    """An export file open for streaming; use it as a context manager and iterate for the data rows.

    Only the first sheet of a workbook is read. Columns not in `COLUMNS` are ignored and blank rows
    skipped. `estimated_rows` is what the file claims to hold (for the progress bar; may be None).
    Raises `LegacyFileError` for an unreadable file and `ImportRejected` for a header without the
    required columns.
    """

    def __init__(self, path: str | Path):
        path = Path(path)
        self._workbook = None
        self._text = None
        suffix = path.suffix.lower()
        if suffix == ".xlsx":
            raw, self.estimated_rows = self._open_xlsx(path)
        elif suffix == ".csv":
            raw, self.estimated_rows = self._open_csv(path)
        else:
            raise LegacyFileError(f"不支持的文件类型“{path.suffix or path.name}”：请使用 .xlsx 或 .csv 文件")
        try:
            header = next(raw, None)
            if header is None:
                raise LegacyFileError("文件是空的：第 1 行应为列名")
            self._columns = _header_columns(header)
        except Exception:
            self.close()
            raise
        self._raw = raw

    def __enter__(self) -> LegacyFile:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def __iter__(self) -> Iterator[SourceRow]:
        try:
            for number, cells in enumerate(self._raw, start=2):
                values = {column: cells[i] if i < len(cells) else None for column, i in self._columns.items()}
                if any(_plain(value) for value in values.values()):
                    yield SourceRow(number, values)
        except (UnicodeDecodeError, csv.Error) as exc:
            raise LegacyFileError(f"无法读取 CSV 文件（请保存为 UTF-8 或 GB18030 编码）：{exc}") from exc

    def close(self) -> None:
        if self._workbook is not None:
            self._workbook.close()
        if self._text is not None:
            self._text.close()

    def _open_xlsx(self, path: Path) -> tuple[Iterator[Sequence], int | None]:
        try:
            self._workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
            raise LegacyFileError(f"无法读取 Excel 文件（请确认是 .xlsx 格式）：{exc}") from exc
        sheet = self._workbook.worksheets[0]
        estimate = sheet.max_row - 1 if sheet.max_row else None
        # Some exporters write a wrong <dimension>; without it openpyxl reads every row there is.
        sheet.reset_dimensions()
        return sheet.iter_rows(values_only=True), estimate

    def _open_csv(self, path: Path) -> tuple[Iterator[Sequence], int | None]:
        encoding, lines = _csv_encoding_and_lines(path)
        self._text = path.open(encoding=encoding, newline="")
        return csv.reader(self._text), max(lines - 1, 0)


def _csv_encoding_and_lines(path: Path) -> tuple[str, int]:
    """UTF-8 (with or without BOM) if the whole file decodes as such, else GB18030; and its line count."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8, lines = True, 0
    with path.open("rb") as file:
        while chunk := file.read(1 << 20):
            lines += chunk.count(b"\n")
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    return ("utf-8-sig" if utf8 else "gb18030"), lines


def _header_columns(header: Sequence) -> dict[str, int]:
    """Column name → index; raises `ImportRejected` listing missing and repeated required columns."""
    columns: dict[str, int] = {}
    errors = []
    for index, cell in enumerate(header):
        name = _plain(cell)
        if name not in _COLUMN_ORDER:
            continue
        if name in columns:
            errors.append(RowError(1, name, "列名重复"))
        columns[name] = index
    errors += [RowError(1, c, "缺少此列") for c in COLUMNS if c not in columns and c not in OPTIONAL_COLUMNS]
    if errors:
        raise ImportRejected(errors)
    return columns


# --- 2. Validating the file ---------------------------------------------------------------------------


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
    row.institution = cells.parse(INSTITUTION, _text, 100, True)
    row.credit_code = cells.parse(CREDIT_CODE, _credit_code)
    row.city = cells.parse(CITY, _city, cities)
    row.name = cells.parse(NAME, _text, 50, True)
    row.id_number = cells.parse(ID_NUMBER, _id_number)
    if row.id_number:
        row.birth_date, row.gender = birth_date_and_gender(row.id_number)
    cells.parse(GENDER, _gender, row.gender)
    row.education = cells.parse(EDUCATION, _text, 30) or ""
    row.title = cells.parse(TITLE, _text, 30) or ""
    row.phone = cells.parse(PHONE, _text, 30) or ""
    for kind, (number_column, date_column) in CERTIFICATE_COLUMNS.items():
        number = cells.parse(number_column, _certificate_number)
        issued_on = cells.parse(date_column, _date)
        if number and issued_on:
            row.certificates.append(ParsedCertificate(kind, number, issued_on))
        elif number and not _plain(cells.raw(date_column)):
            cells.error(date_column, "填写了证书编号，但缺少发证日期")
        elif issued_on and not _plain(cells.raw(number_column)):
            cells.error(number_column, "填写了发证日期，但缺少证书编号")
    return row, cells.errors


def _plain(value: object) -> str:
    """A cell as stripped text; whole floats lose their ".0" (Excel stores phone numbers as floats)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _code(value: object) -> str:
    """A cell holding a code that must be text: an 18-digit number is beyond a float's precision."""
    if isinstance(value, float):
        raise ValidationError("以数字格式保存，可能已丢失精度：请将此列设为文本格式后重新导出")
    return _plain(value)


def _text(value: object, max_length: int, required: bool = False) -> str:
    text = _plain(value)
    if required and not text:
        raise ValidationError("不能为空")
    if len(text) > max_length:
        raise ValidationError(f"不能超过 {max_length} 个字")
    return text


def _credit_code(value: object) -> str:
    code = _code(value)
    if not code:
        raise ValidationError("不能为空")
    return validate_credit_code(code)


def _id_number(value: object) -> str:
    number = _code(value)
    if not number:
        raise ValidationError("不能为空")
    return validate_id_number(number)


def _city(value: object, cities: frozenset[str]) -> str:
    name = _plain(value)
    if not name:
        raise ValidationError("不能为空")
    for candidate in (name, name + "市"):
        if candidate in cities:
            return candidate
    raise ValidationError(f"未知的省辖市“{name}”")


def _gender(value: object, from_id_number: str) -> None:
    """性别 is optional: the ID number decides; a given value must agree with it."""
    given = _plain(value)
    if given and given not in Person.Gender.values:
        raise ValidationError("应为“男”或“女”")
    if given and from_id_number and given != from_id_number:
        raise ValidationError(f"与身份证号不符（身份证号显示为{from_id_number}）")


def _certificate_number(value: object) -> str:
    number = _code(value)
    if len(number) > CERTIFICATE_NUMBER_MAX_LENGTH:
        raise ValidationError(f"证书编号不能超过 {CERTIFICATE_NUMBER_MAX_LENGTH} 个字符")
    if any(char.isspace() for char in number):
        raise ValidationError("证书编号中不能有空格")
    return number


def _date(value: object) -> datetime.date | None:
    """An Excel date, an Excel serial number, or text YYYY-MM-DD, YYYY/MM/DD or YYYY年MM月DD日."""
    if isinstance(value, datetime.datetime):
        parsed = value.date()
    elif isinstance(value, datetime.date):
        parsed = value
    elif isinstance(value, int | float):
        parsed = _excel_serial_date(value)
    else:
        text = _plain(value)
        if not text:
            return None
        parsed = _text_date(text)
    if parsed > datetime.date.today():
        raise ValidationError("发证日期不能晚于今天")
    return parsed


def _excel_serial_date(value: float) -> datetime.date:
    try:
        return from_excel(value).date()
    except (ValueError, OverflowError, AttributeError) as exc:
        raise ValidationError(f"无法识别的日期“{_plain(value)}”") from exc


def _text_date(text: str) -> datetime.date:
    for pattern in _DATE_PATTERNS:
        if match := pattern.fullmatch(text):
            try:
                return datetime.date(*map(int, match.groups()))
            except ValueError as exc:
                raise ValidationError(f"日期“{text}”不存在") from exc
    raise ValidationError(f"无法识别的日期“{text}”：应为 YYYY-MM-DD、YYYY/MM/DD 或 YYYY年MM月DD日")


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


# --- 3. Checking against the database and planning ----------------------------------------------------


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
        institutions = {
            name: KnownInstitution(pk, name, code, city)
            for pk, name, code, city in Institution.objects.values_list(
                "pk", "name", "credit_code", "city__name"
            )
        }
        people = {}
        for chunk in _chunks(sorted({row.id_number for row in rows})):
            found = Person.objects.filter(id_number__in=chunk)
            for pk, number, name, institution_id in found.values_list(
                "pk", "id_number", "name", "institution_id"
            ):
                people[number] = KnownPerson(pk, name, institution_id)
        numbers = sorted({certificate.number for row in rows for certificate in row.certificates})
        # Certificates with the file's numbers (clashes), and those its known people hold (one per kind).
        lookups = [{"number__in": chunk} for chunk in _chunks(numbers)]
        lookups += [{"holder__id_number__in": chunk} for chunk in _chunks(sorted(people))]
        certificates = {}
        for lookup in lookups:
            found = PostCertificate.objects.filter(**lookup)
            for values in found.values_list(
                "kind", "number", "holder__id_number", "holder__name", "issued_on"
            ):
                certificates[values[:2]] = KnownCertificate(*values)
        return cls(institutions, people, certificates)


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
    errors, new = [], []
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


# --- 4. Writing ---------------------------------------------------------------------------------------


def write(plan: Plan, existing: Existing, cities: dict[str, int], progress: Progress) -> None:
    """Create the planned rows with bulk inserts (pks come back from SQLite ≥ 3.35 and PostgreSQL).

    `cities` maps city names to pks."""
    created = Institution.objects.bulk_create(
        [
            Institution(
                name=row.institution,
                credit_code=row.credit_code,
                city_id=cities[row.city],
                status=Institution.Status.ACTIVE,
            )
            for row in plan.institutions
        ],
        batch_size=BATCH_SIZE,
    )
    institution_ids = {known.name: known.pk for known in existing.institutions.values()}
    institution_ids |= {institution.name: institution.pk for institution in created}
    person_ids = {number: known.pk for number, known in existing.people.items()}
    for batch in _chunks(plan.people, BATCH_SIZE):
        people = Person.objects.bulk_create([_person(row, institution_ids) for row in batch])
        person_ids |= {person.id_number: person.pk for person in people}
        progress.advance(len(batch))
    for batch in _chunks(plan.certificates, BATCH_SIZE):
        PostCertificate.objects.bulk_create(
            [
                PostCertificate(
                    kind=certificate.kind,
                    number=certificate.number,
                    holder_id=person_ids[row.id_number],
                    institution_id=institution_ids[row.institution],
                    issued_on=certificate.issued_on,
                )
                for row, certificate in batch
            ]
        )
        progress.advance(len(batch))
    progress.finish()


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


def _chunks(items: Sequence, size: int = LOOKUP_CHUNK) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- Running ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    rows: int
    institutions: int
    people: int
    certificates: int
    skipped: list[int]
    notes: list[RowError]
    dry_run: bool


def run_import(
    path: str | Path, *, dry_run: bool = False, progress: Callable[[str], None] | None = None
) -> Summary:
    """Validate the whole file, then (unless `dry_run`) create what is new in one transaction.

    Raises `LegacyFileError` when the file cannot be read and `ImportRejected` when any row has an
    error; in both cases nothing is written. `progress` receives progress lines (e.g. for stderr).
    """
    cities = dict(City.objects.values_list("name", "pk"))
    with LegacyFile(path) as source:
        checking = Progress(progress, "校验", source.estimated_rows, "行")
        validation = validate_rows(checking.track(source), cities)
    try:
        with transaction.atomic():
            existing = Existing.load(validation.rows)
            plan, errors = plan_import(validation.rows, existing)
            if validation.errors or errors:
                raise ImportRejected(validation.errors + errors)
            if not dry_run:
                total = len(plan.people) + len(plan.certificates)
                write(plan, existing, cities, Progress(progress, "写入", total, "条"))
    except IntegrityError as exc:
        # Someone created a clashing row between our check and our insert; the transaction is undone.
        raise LegacyFileError(
            f"写入时与系统中的数据冲突（可能有人同时在修改数据），未导入任何数据：{exc}"
        ) from exc
    return Summary(
        rows=validation.total,
        institutions=len(plan.institutions),
        people=len(plan.people),
        certificates=len(plan.certificates),
        skipped=plan.skipped,
        notes=sorted(plan.notes, key=RowError.sort_key),
        dry_run=dry_run,
    )
