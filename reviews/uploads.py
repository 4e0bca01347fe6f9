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
# Images of a PDF decoded for the colour check, at most (the first colour one ends it).
_PDF_COLOUR_IMAGES = 20
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

    `page` is the page number taken from the file name (see `page_number`). `greyscale` (an image in
    grey, or a PDF whose embedded images are all grey) is a warning for the reviewer, not a reason to
    refuse. Images have `width`
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

    details = _inspect_pdf(name, data) if pil_format is None else _inspect_image(name, data, pil_format)
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


def check_page_order(names: list[str], *, label: str) -> None:
    """The guide's rule for paged scans (劳动合同): "每页的扫描件以'页码号'命名，按页码顺序上传".

    Every file name carries a page number (see `page_number`), no number repeats, and the numbers run
    1, 2, 3 … without a gap. Raises `UploadRejected` with one message per fault, naming the files.
    """
    errors = []
    unnumbered = [n for n in names if page_number(n) is None]
    if unnumbered:
        listed = "、".join(f"「{n}」" for n in unnumbered)
        errors.append(f"{label}：{listed}的文件名中没有页码，请以页码命名（1.jpg、2.jpg …）后重新上传")
    by_page: dict[int, list[str]] = {}
    for name in names:
        if (page := page_number(name)) is not None:
            by_page.setdefault(page, []).append(name)
    for page, same in sorted(by_page.items()):
        if len(same) > 1:
            listed = "和".join(f"「{n}」" for n in same)
            errors.append(f"{label}：{listed}的页码重复（都是第{page}页），每页只能上传一个文件")
    if by_page:
        missing = [p for p in range(1, max(by_page) + 1) if p not in by_page]
        if missing:
            pages = "、".join(str(p) for p in missing)
            listed = "、".join(f"「{by_page[p][0]}」" for p in sorted(by_page))
            errors.append(f"{label}：缺少第{pages}页（已上传{listed}），请按页码顺序上传全部页面")
    if errors:
        raise UploadRejected(errors, code="page_order")


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


def _inspect_pdf(name: str, data: bytes) -> dict:
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
    return {"pages": pages, "greyscale": _pdf_is_greyscale(reader)}


def _pdf_is_greyscale(reader) -> bool:
    """Whether the scanned pages of a PDF are grey: it has embedded images and every one looked at is
    grey (by its colour space, or by its pixels on a thumbnail). A PDF without images is not a scan
    anyone could call grey, so it is not flagged. At most `_PDF_COLOUR_IMAGES` images are decoded, and
    none larger than `MAX_PIXELS`; any image this cannot read counts as colour (a warning, never a
    refusal, hangs on this)."""
    seen = 0
    try:
        for page in reader.pages:
            resources = page.get("/Resources")
            xobjects = resources.get_object().get("/XObject") if resources else None
            for key, ref in xobjects.get_object().items() if xobjects else ():
                image = ref.get_object()
                if image.get("/Subtype") != "/Image":
                    continue
                if seen >= _PDF_COLOUR_IMAGES:
                    return True
                seen += 1
                if not _pdf_image_is_grey(image, lambda key=key, page=page: page.images[key].image):
                    return False
    except Exception:
        return False
    return seen > 0


def _pdf_image_is_grey(image, decode) -> bool:
    """`image` is the image XObject's dictionary; `decode()` returns it as a Pillow image."""
    if image.get("/ImageMask") or image.get("/BitsPerComponent") == 1:
        return True
    space = image.get("/ColorSpace")
    space = space.get_object() if space is not None else None
    if space in ("/DeviceGray", "/CalGray"):
        return True
    icc_grey = isinstance(space, ArrayObject) and space and space[0] == "/ICCBased"
    if icc_grey and space[1].get_object().get("/N") == 1:
        return True
    if int(image.get("/Width", 0)) * int(image.get("/Height", 0)) > MAX_PIXELS:
        return False
    filters = image.get("/Filter")
    filters = list(filters) if isinstance(filters, ArrayObject) else [filters]
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        if filters == ["/DCTDecode"]:
            # A JPEG inside the PDF: Pillow decodes it at 1/8 scale, cheaply.
            with Image.open(io.BytesIO(image._data)) as picture:
                picture.draft("RGB", _THUMBNAIL_SIZE)
                picture.load()
                return _is_greyscale(picture)
        with decode() as picture:
            return _is_greyscale(picture)


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
