"""Import of the old system's export (旧系统导出): institutions, people and their post certificates.

The file format is documented in docs/legacy-import.md. The import is all-or-nothing and runs in steps
that can be tested alone:

1. `LegacyFile` (reader.py) streams an .xlsx or .csv file: it checks the header row, then yields
   `SourceRow`s.
2. `validate_rows()` (validate.py, with the cell parsers in cells.py) checks every row, and the rows
   against each other, without the database.
3. `Existing.load()` (existing.py) reads what the database already holds for the file's keys in a few
   queries; `plan_import()` checks the rows against that snapshot (again pure) and decides what to create.
4. `write()` (writer.py) creates the new institutions, people and certificates with bulk inserts.

`run_import()` runs the steps, the last two in one transaction, and raises `ImportRejected` carrying
every error found: nothing is written unless the whole file is valid. Existing rows are never modified.
Callers import from this package; its modules are its internals.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.db import IntegrityError, transaction

from institutions.models import City

from .cells import CERTIFICATE_NUMBER_MAX_LENGTH
from .columns import (
    CERTIFICATE_COLUMNS,
    CITY,
    COLUMNS,
    CREDIT_CODE,
    EDUCATION,
    GENDER,
    HIRED_ON,
    ID_NUMBER,
    INSTITUTION,
    NAME,
    OPTIONAL_COLUMNS,
    PHONE,
    TITLE,
)
from .errors import ImportRejected, LegacyFileError, RowError
from .existing import (
    LOOKUP_CHUNK,
    Existing,
    KnownCertificate,
    KnownInstitution,
    KnownPerson,
    Plan,
    plan_import,
)
from .progress import Progress
from .reader import LegacyFile, SourceRow
from .validate import ParsedCertificate, ParsedRow, Validation, validate_rows
from .writer import BATCH_SIZE, write

__all__ = [
    "BATCH_SIZE",
    "CERTIFICATE_COLUMNS",
    "CERTIFICATE_NUMBER_MAX_LENGTH",
    "CITY",
    "COLUMNS",
    "CREDIT_CODE",
    "EDUCATION",
    "GENDER",
    "HIRED_ON",
    "ID_NUMBER",
    "INSTITUTION",
    "LOOKUP_CHUNK",
    "NAME",
    "OPTIONAL_COLUMNS",
    "PHONE",
    "TITLE",
    "Existing",
    "ImportRejected",
    "KnownCertificate",
    "KnownInstitution",
    "KnownPerson",
    "LegacyFile",
    "LegacyFileError",
    "ParsedCertificate",
    "ParsedRow",
    "Plan",
    "Progress",
    "RowError",
    "SourceRow",
    "Summary",
    "Validation",
    "plan_import",
    "run_import",
    "validate_rows",
    "write",
]


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
