"""The single validation path for scanned attachments (扫描件).

Every upload goes through `inspect_upload` before it is stored. The type is judged from the content
(magic bytes, then a full decode), never from the file name or the browser-supplied content type, so an
HTML page renamed "x.jpg" is refused. What is accepted is a JPEG, PNG or PDF that decodes completely;
a PDF must also be inert: no script, launch action, embedded file or form (see `_has_active_content`).

Note that a valid image with extra bytes appended (e.g. a PNG followed by HTML) still decodes and is
accepted as that image type; the download view is what neutralises such payloads (the content type
judged here, ``X-Content-Type-Options: nosniff``, ``no-store`` and a ``Content-Security-Policy: sandbox``).
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured, ValidationError
from PIL import Image, ImageChops, ImageFile
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

# magic bytes -> (content type, canonical extension, Pillow format name or None for PDF)
_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg", "jpg", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png", "PNG"),
    (b"%PDF-", "application/pdf", "pdf", None),
)
_GREYSCALE_MODES = frozenset({"1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "I;16N", "F"})
# Colour check runs on a thumbnail: cheap, and scanner noise below this size does not matter.
_THUMBNAIL_SIZE = (64, 64)
# JPEG round-trips a grey RGB image with small channel differences (chroma rounding); below this the
# image is still considered grey.
_GREY_TOLERANCE = 8
_DIGITS = re.compile(r"\d+")
# A scanned A4 page at 600 dpi is 35 megapixels; anything larger is refused from its header, before a
# single pixel is decoded (a decoded 40 MP RGB image already takes 120 MB).
MAX_PIXELS = 40_000_000

# What makes a PDF more than pages: scripts, launch actions, embedded files and forms. A dictionary key
# from the first set, or a key from the second with one of its values, is refused wherever it appears
# in the document's object graph (catalog, names tree, pages, annotations, actions, outlines, …).
_ACTIVE_KEYS = frozenset(
    {"/JS", "/JavaScript", "/EmbeddedFiles", "/EmbeddedFile", "/EF", "/AcroForm", "/XFA"}
)
_ACTIVE_VALUES = {
    "/S": frozenset({"/JavaScript", "/Launch"}),
    "/Subtype": frozenset({"/FileAttachment"}),
    "/Type": frozenset({"/EmbeddedFile"}),
}
# The same names in the raw bytes, outside stream data (binary image data would match by chance), with
# any #xx escapes in the names decoded: the backstop for objects the parser skipped or never reached.
_ACTIVE_NAMES = frozenset(
    {
        b"JS",
        b"JavaScript",
        b"Launch",
        b"EmbeddedFiles",
        b"EmbeddedFile",
        b"FileAttachment",
        b"AcroForm",
        b"XFA",
    }
)
_STREAM_DATA = re.compile(rb"stream(?:\r\n|\r|\n).*?endstream", re.DOTALL)
_NAME = re.compile(rb"/([^\x00\t\n\x0c\r ()<>\[\]{}/%]+)")
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")


class UploadRejected(ValidationError):
    """An uploaded file that is not an acceptable scan; the message names the file, in Chinese."""


@dataclass(frozen=True)
class ScanInfo:
    """What `inspect_upload` learned about an accepted file.

    `page` is the page number taken from the file name (see `page_number`). `greyscale` is only ever
    True for images; it is a warning for the reviewer, not a reason to refuse. Images have `width`
    and `height`, PDFs have `pages`.
    """

    name: str
    content_type: str
    extension: str
    size: int
    sha256: str
    page: int | None
    greyscale: bool = False
    width: int | None = None
    height: int | None = None
    pages: int | None = None


def inspect_upload(f, *, max_bytes: int) -> ScanInfo:
    """Check that the uploaded file `f` is an acceptable scan and describe it.

    `f` is a Django `UploadedFile`. Raises `UploadRejected` (a `ValidationError`) with a Chinese message
    when the file is larger than `max_bytes`, is not a JPEG/PNG/PDF by content, is truncated or corrupt,
    is a decompression bomb, or is an encrypted or page-less PDF. The file position is reset to 0
    afterwards, whatever the outcome, so the caller can save it.
    """
    name = f.name or ""
    try:
        if f.size is not None and f.size > max_bytes:
            raise _too_large(name, max_bytes)
        f.seek(0)
        # Read one byte past the limit so a file whose reported size was wrong is still caught.
        data = f.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise _too_large(name, max_bytes)
    finally:
        f.seek(0)

    signature = next((sig for sig in _SIGNATURES if data.startswith(sig[0])), None)
    if signature is None:
        raise _not_a_scan(name)
    _magic, content_type, extension, pil_format = signature

    if pil_format is None:
        details = {"pages": _inspect_pdf(name, data)}
    else:
        details = _inspect_image(name, data, pil_format)
    return ScanInfo(
        name=name,
        content_type=content_type,
        extension=extension,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        page=page_number(name),
        **details,
    )


def page_number(filename: str) -> int | None:
    """The page number in a file name: the last run of digits in the name without its extension.

    "1.jpg" -> 1, "第10页.png" -> 10, "page_02.jpg" -> 2, "contract.jpg" -> None.
    """
    stem = re.split(r"[\\/]", filename or "")[-1].rsplit(".", 1)[0]
    runs = _DIGITS.findall(stem)
    return int(runs[-1]) if runs else None


def order_pages(files):
    """Return `files` (anything with a `.name`) sorted by page number, numerically.

    So "2.jpg" comes before "10.jpg". Files without a number go last; ties are broken by name.
    """

    def key(f):
        page = page_number(f.name)
        return (page is None, page or 0, f.name or "")

    return sorted(files, key=key)


def greyscale_warning(name: str) -> str:
    """The reviewer-facing warning for a greyscale scan."""
    return f"「{name}」是灰度图像，指南要求彩色扫描件，请核对。"


def _inspect_image(name: str, data: bytes, expected_format: str) -> dict:
    # With this flag on, Pillow silently pads truncated images instead of raising, which would let
    # half-uploaded scans through. It is process-wide, so refuse to run rather than flip it here.
    if ImageFile.LOAD_TRUNCATED_IMAGES:
        raise ImproperlyConfigured("PIL.ImageFile.LOAD_TRUNCATED_IMAGES must be False for upload checks")
    try:
        with warnings.catch_warnings():
            # Between 1x and 2x MAX_IMAGE_PIXELS Pillow only warns; treat that as a bomb too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                detected_format = image.format
                # The header's size, before anything is decoded. catch_warnings() swaps process-wide
                # filters and is not thread-safe, so this check does not rely on Pillow's warning.
                if image.width * image.height > MAX_PIXELS:
                    raise _too_many_pixels(name)
                image.verify()
            # verify() leaves the image unusable and does not decode pixel data; reopen and load() to
            # catch truncated or corrupt data.
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                width, height = image.size
                greyscale = _is_greyscale(image)
    except UploadRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadRejected(f"「{name}」图片像素过多，疑似解压炸弹", code="decompression_bomb") from None
    except Exception:
        # Pillow reports malformed input with many exception types (OSError, SyntaxError, ValueError,
        # struct.error, ...); for an upload they all mean the same thing.
        raise UploadRejected(f"「{name}」图片已损坏或不完整，请重新扫描上传", code="corrupt_image") from None
    if detected_format != expected_format:
        raise _not_a_scan(name)
    return {"width": width, "height": height, "greyscale": greyscale}


def _is_greyscale(image: Image.Image) -> bool:
    if image.mode in _GREYSCALE_MODES:
        return True
    # thumbnail() works in place; the image is ours and discarded afterwards.
    image.thumbnail(_THUMBNAIL_SIZE)
    red, green, blue = image.convert("RGB").split()
    return all(
        ImageChops.difference(a, b).getextrema()[1] <= _GREY_TOLERANCE
        for a, b in ((red, green), (green, blue))
    )


def _inspect_pdf(name: str, data: bytes) -> int:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        encrypted = reader.is_encrypted
        pages = 0 if encrypted else len(reader.pages)
        if pages:
            # The page count comes from the page tree; make sure a page object actually parses.
            reader.pages[0].mediabox  # noqa: B018
        active = not encrypted and _has_active_content(reader.trailer.raw_get("/Root"))
    except Exception:
        # pypdf raises PdfReadError but also plain ValueError/KeyError/... on malformed files.
        raise UploadRejected(f"「{name}」PDF 文件已损坏，无法读取", code="corrupt_pdf") from None
    if encrypted:
        raise UploadRejected(f"「{name}」是加密的 PDF，请上传未加密的扫描件", code="encrypted_pdf")
    if pages < 1:
        raise UploadRejected(f"「{name}」PDF 文件没有任何页面", code="empty_pdf")
    if active or _names_active_content(data):
        raise UploadRejected(
            f"「{name}」含有脚本、附件或表单，不能作为扫描件上传，请打印后重新扫描或导出为普通 PDF。",
            code="active_pdf",
        )
    return pages


def _has_active_content(root) -> bool:
    """Walk every object reachable from the catalog (dictionaries and arrays; stream data is not read)
    and report whether any of them is a script, launch action, embedded file or form."""
    seen: set[tuple[int, int]] = set()
    stack = [root]
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            if (obj.idnum, obj.generation) in seen:
                continue
            seen.add((obj.idnum, obj.generation))
            obj = obj.get_object()
        if isinstance(obj, DictionaryObject):  # stream objects included: their dictionary only
            for key, value in dict.items(obj):  # unresolved values: references are followed above
                if key in _ACTIVE_KEYS:
                    return True
                if key in _ACTIVE_VALUES:
                    named = value.get_object()
                    if isinstance(named, NameObject) and named in _ACTIVE_VALUES[key]:
                        return True
                stack.append(value)
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
    return False


def _names_active_content(data: bytes) -> bool:
    """Whether the raw bytes, outside stream data, name a script, launch, embedded file or form."""
    for match in _NAME.finditer(_STREAM_DATA.sub(b" ", data)):
        name = _NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), match.group(1))
        if name in _ACTIVE_NAMES:
            return True
    return False


def _not_a_scan(name: str) -> UploadRejected:
    return UploadRejected(f"只接受 JPEG、PNG 或 PDF 文件：「{name}」不是有效的扫描件", code="invalid_type")


def _too_many_pixels(name: str) -> UploadRejected:
    return UploadRejected(
        f"「{name}」图片超过 {MAX_PIXELS // 10_000} 万像素，请降低扫描分辨率（300 dpi 即可）后重新上传",
        code="too_many_pixels",
    )


def _too_large(name: str, max_bytes: int) -> UploadRejected:
    limit = f"{max_bytes / (1024 * 1024):g}"
    return UploadRejected(f"「{name}」超过 {limit} MB 的大小上限", code="too_large")
