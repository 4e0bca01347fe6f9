"""Excel (.xlsx) export of any list, with the page's filters applied.

Rows are written with openpyxl's write-only workbook from a chunked queryset iterator into a temporary
file that spills to disk, then streamed: memory stays flat however many rows are exported.

Text from the records (names, opinions) is never written as a formula: a string that begins with a
character a spreadsheet would start a formula with is stored as text, with the quote-prefix style that
keeps it text when someone edits the cell.
"""

import tempfile
from collections.abc import Iterable
from datetime import date

from django.http import FileResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

CHUNK = 2000
# "=" makes a formula; "+", "-" and "@" make one once a user edits the cell; a leading tab or carriage
# return hides any of them.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def wants_xlsx(request) -> bool:
    return request.GET.get("format") == "xlsx"


def write_xlsx(out, title: str, headers: list[str], rows: Iterable[Iterable], progress=None) -> int:
    """Write the workbook into the binary file ``out``; return the number of rows. ``progress(n)`` is
    called every ``CHUNK`` rows (a background job reports it to the page)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for text in headers:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    count = 0
    for row in rows:
        sheet.append([_as_text_if_formula(sheet, value) for value in row])
        count += 1
        if progress is not None and count % CHUNK == 0:
            progress(count)
    workbook.save(out)
    return count


def xlsx_name(title: str) -> str:
    return f"{title}-{date.today():%Y%m%d}.xlsx"


def xlsx_response(title: str, headers: list[str], rows: Iterable[Iterable]) -> FileResponse:
    """A download named ``{title}-{date}.xlsx`` with a bold header row and one row per item."""
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - closed by FileResponse
    write_xlsx(out, title, headers, rows)
    out.seek(0)
    response = FileResponse(out, as_attachment=True, filename=xlsx_name(title), content_type=XLSX)
    response["Cache-Control"] = "no-store, private"
    return response


def _as_text_if_formula(sheet, value):
    if not (isinstance(value, str) and value.startswith(FORMULA_PREFIXES)):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # openpyxl would otherwise write "=…" as a formula
    cell.quotePrefix = True
    return cell
