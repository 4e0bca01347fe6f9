"""Reading an export: `LegacyFile` streams the data rows of an .xlsx or .csv file as `SourceRow`s.

A row keeps the number Excel shows (the header is row 1) and its cells as read, unparsed; nothing is
checked here beyond the header. CSV files are read as UTF-8 (with or without BOM), else as GB18030.
"""

from __future__ import annotations

import codecs
import csv
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from .columns import COLUMNS, OPTIONAL_COLUMNS, plain
from .errors import ImportRejected, LegacyFileError, RowError


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

    def __init__(self, path: str | Path, columns: Sequence[str] = COLUMNS, optional=OPTIONAL_COLUMNS):
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
            self.header = [plain(cell) for cell in header]
            self._columns = _header_columns(header, columns, optional)
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
                if any(plain(value) for value in values.values()):
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


def _header_columns(
    header: Sequence, wanted: Sequence[str] = COLUMNS, optional=OPTIONAL_COLUMNS
) -> dict[str, int]:
    """Column name → index; raises `ImportRejected` listing missing and repeated required columns."""
    columns: dict[str, int] = {}
    errors = []
    for index, cell in enumerate(header):
        name = plain(cell)
        if name not in wanted:
            continue
        if name in columns:
            errors.append(RowError(1, name, "列名重复"))
        columns[name] = index
    errors += [RowError(1, c, "缺少此列") for c in wanted if c not in columns and c not in optional]
    if errors:
        raise ImportRejected(errors)
    return columns
