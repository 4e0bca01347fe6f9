"""Renderer for printed 岗位合格证书: plain data in, one A4 page per certificate out.

Isolated from Django so that print batches, tests and benchmarks need no settings or database; callers
turn ``PostCertificate`` rows into :class:`CertificateSheet` values.

Speed (see ``bench/print_batch.py``): everything that is the same on every page — borders, title,
labels, issuer, caption — is drawn once into a PDF form XObject and referenced from each page; the QR
code is emitted as one path of run-length merged rectangles in module units; the font is registered
once per process and embedded once per batch. Most of the remaining time (about 4 of 5.5 ms a page) is
segno choosing the best of the eight QR masks, which we keep: it is what the QR standard asks for, and
it makes the printed code easier to scan.
"""

from __future__ import annotations

import datetime
import io
import logging
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import BinaryIO

import segno
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen import canvas

logger = logging.getLogger(__name__)

TITLE = "江苏省建设工程质量检测人员岗位合格证书"
ISSUER = "江苏省建设工程质量监督总站"
QR_CAPTION = "扫码核验证书真伪"
KIND_TITLES = {"建材": "工程质量检测（建材）", "地基": "地基基础检测"}

FONT_ENV = "JIANCE_PDF_FONT"
# (path, subfontIndex): TrueType fonts that reportlab embeds correctly. Noto CJK is not among them:
# reportlab refuses its PostScript outlines ("postscript outlines are not supported").
FONT_CANDIDATES: list[tuple[str, int]] = [
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
    ("/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf", 0),
]
FALLBACK_CID_FONT = "STSong-Light"

PAGE_W, PAGE_H = A4
QR_SIZE = 35 * mm
QR_QUIET_ZONE = 4  # modules, as the QR specification asks
INK = (0.12, 0.12, 0.12)
ACCENT = (0.55, 0.08, 0.08)
STATIC_FORM = "certificate-static"
_DARK_RUN = re.compile(b"\x01+")  # segno matrix rows are bytearrays of 0/1

_font_name: str | None = None


@dataclass(frozen=True)
class CertificateSheet:
    """What one printed certificate shows."""

    holder_name: str
    id_number: str
    kind_label: str
    number: str
    institution: str
    issued_on: datetime.date
    edition: int
    verify_url: str


def kind_title(kind_label: str) -> str:
    """证书类别 as printed: "建材" → "工程质量检测（建材）", "地基" → "地基基础检测"."""
    return KIND_TITLES.get(kind_label, kind_label)


def font_name() -> str:
    """Register the CJK font on first use and return its reportlab name (cached per process).

    Tries ``$JIANCE_PDF_FONT``, then :data:`FONT_CANDIDATES`; if no TrueType font loads, falls back to
    the CID font ``STSong-Light``, which embeds no glyphs, and logs a warning.
    """
    global _font_name
    if _font_name is None:
        _font_name = _register_font()
    return _font_name


def reset_font_cache() -> None:
    """Forget the chosen font so that the next render looks again (for tests)."""
    global _font_name
    _font_name = None


def _register_font() -> str:
    candidates = list(FONT_CANDIDATES)
    if os.environ.get(FONT_ENV):
        candidates.insert(0, (os.environ[FONT_ENV], 0))
    for path, subfont in candidates:
        if not os.path.isfile(path):
            continue
        # One name per file: reportlab silently keeps the first font registered under a name.
        name = f"JianceCJK-{os.path.basename(path)}-{subfont}"
        try:
            pdfmetrics.registerFont(TTFont(name, path, subfontIndex=subfont))
        except (TTFError, OSError) as exc:
            logger.info("CJK font %s unusable: %s", path, exc)
            continue
        return name
    logger.warning(
        "No CJK TrueType font found (set %s); falling back to %s: the PDF will not embed glyphs",
        FONT_ENV,
        FALLBACK_CID_FONT,
    )
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_CID_FONT))
    return FALLBACK_CID_FONT


def render(sheets: Iterable[CertificateSheet], out: BinaryIO | None = None) -> bytes | None:
    """Render one A4 page per sheet into a single PDF.

    Writes to ``out`` (a binary file-like object) and returns None if given; otherwise returns the bytes.
    ``sheets`` is consumed lazily, but reportlab keeps the finished pages in memory until it writes the
    file at the end (about 15 MB of Python objects per 1,000 pages). Raises ValueError for no sheets.
    """
    font = font_name()
    target = out if out is not None else io.BytesIO()
    c = canvas.Canvas(target, pagesize=A4, pageCompression=1, initialFontName=font)
    c.setTitle(TITLE)
    c.setAuthor(ISSUER)
    _draw_static_form(c, font)
    for sheet in sheets:
        c.doForm(STATIC_FORM)
        _draw_fields(c, font, sheet)
        _draw_qr(c, sheet.verify_url)
        c.showPage()
    if c.getPageNumber() == 1:
        raise ValueError("no certificate sheets to render")
    c.save()
    return None if out is not None else target.getvalue()


# Layout, in points from the bottom-left corner.
_MARGIN = 15 * mm
_TITLE_Y = PAGE_H - 52 * mm
_KIND_Y = PAGE_H - 66 * mm
_LABEL_X = 42 * mm
_VALUE_X = 72 * mm
_FIELD_TOP = PAGE_H - 96 * mm
_FIELD_STEP = 15 * mm
_FIELD_SIZE = 14
_VALUE_MAX_W = PAGE_W - _VALUE_X - 30 * mm
_LABELS = ("姓　　名", "身份证号", "证书类别", "证书编号", "工作单位", "发证日期", "版　　次")
_QR_X = PAGE_W - _MARGIN - 10 * mm - QR_SIZE
_QR_Y = _MARGIN + 22 * mm


def _draw_static_form(c: canvas.Canvas, font: str) -> None:
    """Everything identical on every page, drawn once and referenced by each page."""
    c.beginForm(STATIC_FORM)
    c.setStrokeColorRGB(*ACCENT)
    c.setLineWidth(2.4)
    c.rect(_MARGIN, _MARGIN, PAGE_W - 2 * _MARGIN, PAGE_H - 2 * _MARGIN)
    inner = _MARGIN + 3 * mm
    c.setLineWidth(0.8)
    c.rect(inner, inner, PAGE_W - 2 * inner, PAGE_H - 2 * inner)

    c.setFillColorRGB(*ACCENT)
    c.setFont(font, 22)
    c.drawCentredString(PAGE_W / 2, _TITLE_Y, TITLE)
    c.setLineWidth(0.6)
    c.line(_LABEL_X, _TITLE_Y - 6 * mm, PAGE_W - _LABEL_X, _TITLE_Y - 6 * mm)

    c.setFillColorRGB(*INK)
    c.setFont(font, _FIELD_SIZE)
    for i, label in enumerate(_LABELS):
        c.drawString(_LABEL_X, _FIELD_TOP - i * _FIELD_STEP, f"{label}：")
    c.setStrokeColorRGB(0.6, 0.6, 0.6)
    c.setLineWidth(0.4)
    for i in range(len(_LABELS)):
        y = _FIELD_TOP - i * _FIELD_STEP - 2.5 * mm
        c.line(_VALUE_X, y, _VALUE_X + _VALUE_MAX_W, y)

    c.setFont(font, 16)
    c.drawString(_LABEL_X, _QR_Y + 16 * mm, "发证机关：")
    c.drawString(_LABEL_X, _QR_Y + 6 * mm, ISSUER)
    c.setFont(font, 9)
    c.drawCentredString(_QR_X + QR_SIZE / 2, _QR_Y - 5 * mm, QR_CAPTION)
    c.endForm()


def _draw_fields(c: canvas.Canvas, font: str, sheet: CertificateSheet) -> None:
    kind = kind_title(sheet.kind_label)
    c.setFillColorRGB(*ACCENT)
    c.setFont(font, 16)
    c.drawCentredString(PAGE_W / 2, _KIND_Y, kind)

    c.setFillColorRGB(*INK)
    d = sheet.issued_on
    values = (
        sheet.holder_name,
        sheet.id_number,
        kind,
        sheet.number,
        sheet.institution or "—",
        f"{d.year:04d}年{d.month:02d}月{d.day:02d}日",
        f"第{sheet.edition}版",
    )
    for i, value in enumerate(values):
        # Shrink long values (institution names) to fit the line rather than overflow the border.
        width = pdfmetrics.stringWidth(value, font, _FIELD_SIZE)
        size = _FIELD_SIZE if width <= _VALUE_MAX_W else _FIELD_SIZE * _VALUE_MAX_W / width
        c.setFont(font, size)
        c.drawString(_VALUE_X + 2 * mm, _FIELD_TOP - i * _FIELD_STEP, value)


def _draw_qr(c: canvas.Canvas, url: str) -> None:
    """The QR code as one filled path of rectangles, one per horizontal run of dark modules.

    Coordinates are whole modules (the page is scaled to one module per unit), which keeps the
    operators short and avoids float formatting.
    """
    # make_qr, not make: a short URL must never come out as a Micro QR, which phone scanners ignore.
    matrix = segno.make_qr(url, error="m").matrix
    n = len(matrix)
    unit = QR_SIZE / (n + 2 * QR_QUIET_ZONE)
    ops = [
        f"{run.start()} {n - 1 - y} {run.end() - run.start()} 1 re"
        for y, row in enumerate(matrix)
        for run in _DARK_RUN.finditer(row)
    ]
    c.saveState()
    # The quiet zone stays white even if a future layout puts something behind the code.
    c.setFillColorRGB(1, 1, 1)
    c.rect(_QR_X, _QR_Y, QR_SIZE, QR_SIZE, stroke=0, fill=1)
    c.translate(_QR_X + QR_QUIET_ZONE * unit, _QR_Y + QR_QUIET_ZONE * unit)
    c.scale(unit, unit)
    c.setFillColorRGB(0, 0, 0)
    c.addLiteral("\n".join(ops) + "\nf")
    c.restoreState()
