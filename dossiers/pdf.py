"""The 信用档案 as a PDF for the province: reportlab platypus tables on A4, in the certificate's font.

The font comes from ``certificates.pdf.font_name`` (WenQuanYi Micro Hei where installed: a TrueType font
reportlab embeds, see that module for the candidates and the fallback), with the certificate's margins and
colours. Plain values in, bytes out: ``render(sheet)``; ``dossiers.views`` turns a ``Dossier`` into a
:class:`DossierSheet`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from certificates.pdf import ACCENT, INK, ISSUER, PAGE_W, font_name

TITLE = "检测人员信用档案"
MARGIN = 15 * mm  # as the certificate's border
WIDTH = PAGE_W - 2 * MARGIN


@dataclass(frozen=True)
class Section:
    """A titled table: ``header`` then ``rows`` of text; ``empty`` is shown when there are no rows."""

    title: str
    header: list[str]
    rows: list[list[str]]
    widths: list[float]  # fractions of the page width, summing to 1
    empty: str = "无"


@dataclass(frozen=True)
class DossierSheet:
    name: str
    printed_on: str
    identity: list[tuple[str, str]]  # (label, value) pairs, two per line
    sections: list[Section] = field(default_factory=list)


def render(sheet: DossierSheet) -> bytes:
    font = font_name()
    out = io.BytesIO()
    document = SimpleDocTemplate(
        out,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=f"{TITLE}：{sheet.name}",
        author=ISSUER,
    )
    styles = _styles(font)
    story = [
        Paragraph(TITLE, styles["title"]),
        Paragraph(f"{sheet.name}　　{ISSUER}　{sheet.printed_on}导出", styles["caption"]),
        Spacer(0, 4 * mm),
        Paragraph("基本信息", styles["heading"]),
        _identity(sheet.identity, styles, font),
    ]
    for section in sheet.sections:
        story += [
            Spacer(0, 4 * mm),
            Paragraph(section.title, styles["heading"]),
            _table(section, styles, font),
        ]
    document.build(story)
    return out.getvalue()


def _styles(font: str) -> dict[str, ParagraphStyle]:
    ink, accent = colors.Color(*INK), colors.Color(*ACCENT)
    return {
        "title": ParagraphStyle(
            "title", fontName=font, fontSize=20, leading=26, alignment=1, textColor=accent
        ),
        "caption": ParagraphStyle(
            "caption", fontName=font, fontSize=9, leading=12, alignment=1, textColor=ink
        ),
        "heading": ParagraphStyle(
            "heading", fontName=font, fontSize=13, leading=18, textColor=accent, spaceAfter=2 * mm
        ),
        # CJK wrapping: a long institution name breaks between characters instead of overflowing its cell.
        "cell": ParagraphStyle("cell", fontName=font, fontSize=9, leading=12, textColor=ink, wordWrap="CJK"),
    }


def _grid(font: str, header: bool) -> TableStyle:
    commands = [
        ("FONT", (0, 0), (-1, -1), font, 9),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.Color(0.6, 0.6, 0.6)),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.94, 0.94, 0.94)))
    return TableStyle(commands)


def _identity(pairs: list[tuple[str, str]], styles, font: str) -> Table:
    cell = styles["cell"]
    rows = []
    for i in range(0, len(pairs), 2):
        row = []
        for label, value in pairs[i : i + 2]:
            row += [Paragraph(label, cell), Paragraph(_escape(value) or "—", cell)]
        rows.append(row + [""] * (4 - len(row)))
    table = Table(rows, colWidths=[WIDTH * w for w in (0.14, 0.36, 0.14, 0.36)])
    style = _grid(font, header=False)
    style.add("BACKGROUND", (0, 0), (0, -1), colors.Color(0.94, 0.94, 0.94))
    style.add("BACKGROUND", (2, 0), (2, -1), colors.Color(0.94, 0.94, 0.94))
    table.setStyle(style)
    return table


def _table(section: Section, styles, font: str) -> Table:
    cell = styles["cell"]
    rows = [[Paragraph(h, cell) for h in section.header]]
    rows += [[Paragraph(_escape(v) or "—", cell) for v in row] for row in section.rows]
    if not section.rows:
        rows.append([Paragraph(section.empty, cell)] + [""] * (len(section.header) - 1))
    table = Table(rows, colWidths=[WIDTH * w for w in section.widths], repeatRows=1)
    style = _grid(font, header=True)
    if not section.rows:
        style.add("SPAN", (0, 1), (-1, 1))
    table.setStyle(style)
    return table


def _escape(text: str) -> str:
    """Paragraph text is reportlab markup: filed text must not be read as tags."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
