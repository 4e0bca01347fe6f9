"""Excel (.xlsx) export of any list, with the page's filters applied.

Rows are written with openpyxl's write-only workbook from a chunked queryset iterator into a temporary
file that spills to disk, then streamed: memory stays flat however many rows are exported.
"""

import tempfile
from collections.abc import Iterable
from datetime import date

from django.http import FileResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

CHUNK = 2000


def wants_xlsx(request) -> bool:
    return request.GET.get("format") == "xlsx"


def xlsx_response(title: str, headers: list[str], rows: Iterable[Iterable]) -> FileResponse:
    """A download named ``{title}-{date}.xlsx`` with a bold header row and one row per item."""
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
    for row in rows:
        sheet.append(list(row))
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - closed by FileResponse
    workbook.save(out)
    out.seek(0)
    response = FileResponse(
        out,
        as_attachment=True,
        filename=f"{title}-{date.today():%Y%m%d}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Cache-Control"] = "no-store, private"
    return response
