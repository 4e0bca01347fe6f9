"""What an import reports when it fails: `RowError` per bad cell, and the two exceptions.

`LegacyFileError`: the file cannot be read at all. `ImportRejected`: it was read and has errors.
Either way nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .columns import COLUMN_ORDER, COLUMNS


@dataclass(frozen=True, slots=True)
class RowError:
    """A problem with one cell; `row` is the row number Excel shows (the header is row 1)."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"第 {self.row} 行 [{self.column}] {self.message}"

    def sort_key(self) -> tuple[int, int, str]:
        return self.row, COLUMN_ORDER.get(self.column, len(COLUMNS)), self.message


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
