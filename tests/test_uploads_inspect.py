"""reviews.uploads: the content-based check every scanned attachment goes through. No database.

All files are generated here as real bytes (Pillow, reportlab, pypdf), never taken on trust from a name.
"""

import hashlib
import io
import random
import struct
import warnings
import zipfile
import zlib

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageFile, PngImagePlugin
from pypdf import PdfWriter
from reportlab.pdfgen import canvas

from reviews.uploads import (
    MAX_PIXELS,
    ScanInfo,
    UploadRejected,
    greyscale_warning,
    inspect_upload,
    order_pages,
    page_number,
)

MB = 1024 * 1024
LIMIT = 10 * MB
NOT_A_SCAN = "只接受 JPEG、PNG 或 PDF 文件：「{}」不是有效的扫描件"


# --- file factories ------------------------------------------------------------------------------


def _colour_image(size=(320, 240)) -> Image.Image:
    """A colour image with noise, so JPEG data is large enough to truncate meaningfully."""
    rng = random.Random(1)
    image = Image.new("RGB", size, (200, 30, 30))
    noise = bytes(rng.randrange(256) for _ in range(size[0] * size[1] * 3))
    return Image.blend(image, Image.frombytes("RGB", size, noise), 0.3)


def _encode(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def _jpeg(image=None) -> bytes:
    return _encode(image or _colour_image(), "JPEG", quality=90)


def _png(image) -> bytes:
    return _encode(image, "PNG")


def _reportlab_pdf(pages=2) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    for number in range(1, pages + 1):
        pdf.drawString(72, 720, f"page {number}")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _bilevel_png(width: int, height: int) -> bytes:
    """A valid all-black mode "1" PNG built chunk by chunk, without holding the pixels in memory.

    Large dimensions compress to almost nothing, which is exactly what a decompression bomb is.
    """

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # bit depth 1, greyscale
    row = b"\0" * (1 + (width + 7) // 8)  # filter byte + packed pixels
    compressor = zlib.compressobj(9)
    pixels = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def _upload(name: str, content: bytes, content_type="application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def _rejected(upload, max_bytes=LIMIT) -> UploadRejected:
    with pytest.raises(UploadRejected) as error:
        inspect_upload(upload, max_bytes=max_bytes)
    assert isinstance(error.value, ValidationError)
    assert upload.tell() == 0
    return error.value


# --- accepted files ------------------------------------------------------------------------------


def test_it_accepts_a_colour_jpeg():
    content = _jpeg()
    upload = _upload("第3页.jpg", content, "image/jpeg")
    info = inspect_upload(upload, max_bytes=LIMIT)
    assert info == ScanInfo(
        name="第3页.jpg",
        content_type="image/jpeg",
        extension="jpg",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        page=3,
        greyscale=False,
        width=320,
        height=240,
        pages=None,
    )
    assert upload.tell() == 0
    assert upload.read() == content


def test_it_accepts_a_greyscale_png_and_flags_it():
    upload = _upload("page_02.png", _png(_colour_image().convert("L")))
    info = inspect_upload(upload, max_bytes=LIMIT)
    assert (info.content_type, info.extension, info.greyscale, info.page) == ("image/png", "png", True, 2)
    assert greyscale_warning(info.name) == "「page_02.png」是灰度图像，指南要求彩色扫描件，请核对。"


def test_it_flags_a_grey_scan_saved_as_rgb_jpeg():
    grey_as_rgb = _colour_image().convert("L").convert("RGB")
    info = inspect_upload(_upload("1.jpg", _jpeg(grey_as_rgb)), max_bytes=LIMIT)
    assert info.greyscale is True


def test_it_does_not_flag_a_white_page_with_a_red_stamp():
    page = Image.new("RGB", (1240, 1754), "white")
    page.paste((220, 20, 20), (800, 1300, 1100, 1600))
    info = inspect_upload(_upload("1.jpg", _jpeg(page)), max_bytes=LIMIT)
    assert info.greyscale is False


def test_it_accepts_a_palette_png_as_colour():
    info = inspect_upload(_upload("1.png", _png(_colour_image().convert("P"))), max_bytes=LIMIT)
    assert (info.content_type, info.greyscale) == ("image/png", False)


def test_it_accepts_a_reportlab_pdf_and_counts_pages():
    content = _reportlab_pdf(pages=3)
    info = inspect_upload(_upload("合同.pdf", content, "application/pdf"), max_bytes=LIMIT)
    assert (info.content_type, info.extension, info.pages, info.page) == ("application/pdf", "pdf", 3, None)
    assert (info.width, info.height, info.greyscale) == (None, None, False)
    assert info.sha256 == hashlib.sha256(content).hexdigest()


def test_it_accepts_a_pdf_written_by_pillow():
    info = inspect_upload(_upload("scan.pdf", _encode(_colour_image(), "PDF")), max_bytes=LIMIT)
    assert (info.content_type, info.pages) == ("application/pdf", 1)


def test_it_judges_type_by_content_not_by_name():
    info = inspect_upload(_upload("1.jpg", _png(_colour_image()), "image/jpeg"), max_bytes=LIMIT)
    assert (info.content_type, info.extension) == ("image/png", "png")


def test_it_accepts_a_png_with_html_appended_as_a_png():
    # The trailing payload does not stop the PNG decoding; the download view neutralises it
    # (fixed Content-Type, nosniff, attachment). Recorded here so the behaviour is deliberate.
    content = _png(_colour_image()) + b"<html><script>alert(1)</script></html>"
    info = inspect_upload(_upload("1.png", content), max_bytes=LIMIT)
    assert (info.content_type, info.extension) == ("image/png", "png")


def test_it_accepts_a_file_exactly_at_the_limit():
    content = _jpeg()
    info = inspect_upload(_upload("1.jpg", content), max_bytes=len(content))
    assert info.size == len(content)


# --- refused files -------------------------------------------------------------------------------


def test_it_refuses_html_named_jpg():
    error = _rejected(_upload("x.jpg", b"<!DOCTYPE html><html><body>hi</body></html>", "image/jpeg"))
    assert error.code == "invalid_type"
    assert error.messages == [NOT_A_SCAN.format("x.jpg")]


def test_it_refuses_a_zip():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("1.jpg", _jpeg())
    error = _rejected(_upload("scans.pdf", buffer.getvalue()))
    assert error.messages == [NOT_A_SCAN.format("scans.pdf")]


@pytest.mark.parametrize("content", [b"", b"MZ\x90\x00" + bytes(200), b"\xff\xd8", b"GIF89a" + bytes(20)])
def test_it_refuses_empty_executable_and_other_content(content):
    assert _rejected(_upload("1.jpg", content)).code == "invalid_type"


def test_it_refuses_a_truncated_jpeg():
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    content = _jpeg()
    error = _rejected(_upload("1.jpg", content[: len(content) // 2]))
    assert error.code == "corrupt_image"
    assert "「1.jpg」" in error.messages[0]


def test_it_refuses_a_png_with_corrupt_pixel_data():
    content = bytearray(_png(_colour_image()))
    content[200:260] = bytes(60)  # inside the IDAT chunk: CRC and zlib stream no longer match
    assert _rejected(_upload("1.png", bytes(content))).code == "corrupt_image"


def test_it_refuses_a_jpeg_header_followed_by_garbage():
    assert _rejected(_upload("1.jpg", b"\xff\xd8\xff\xe0" + bytes(100))).code == "corrupt_image"


def test_it_refuses_an_oversized_file_stating_the_limit_in_mb():
    content = _jpeg()
    error = _rejected(_upload("大图.jpg", content), max_bytes=len(content) - 1)
    assert error.code == "too_large"
    error = _rejected(_upload("大图.jpg", bytes(LIMIT + 1)), max_bytes=LIMIT)
    assert error.messages == ["「大图.jpg」超过 10 MB 的大小上限"]


def test_it_refuses_an_oversized_file_whose_reported_size_is_wrong():
    upload = _upload("1.jpg", _jpeg())
    upload.size = 10  # a lying size must not let the content through
    assert _rejected(upload, max_bytes=1000).code == "too_large"


def test_it_refuses_a_decompression_bomb_over_twice_the_pixel_limit():
    width = height = 20000
    assert width * height > 2 * Image.MAX_IMAGE_PIXELS  # Pillow raises DecompressionBombError itself
    content = _bilevel_png(width, height)
    assert len(content) < 200_000  # tiny on disk, 400 million pixels decoded
    error = _rejected(_upload("1.png", content))
    assert error.code == "decompression_bomb"
    assert error.messages == ["「1.png」图片像素过多，疑似解压炸弹"]


def test_it_refuses_an_image_that_pillow_only_warns_about():
    width = height = 10000
    assert Image.MAX_IMAGE_PIXELS < width * height < 2 * Image.MAX_IMAGE_PIXELS
    content = _bilevel_png(width, height)
    # By default Pillow merely warns for this size ...
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Image.open(io.BytesIO(content)).close()
    assert any(issubclass(w.category, Image.DecompressionBombWarning) for w in caught)
    # ... but an upload is refused.
    assert _rejected(_upload("1.png", content)).code == "decompression_bomb"


def test_it_refuses_an_encrypted_pdf():
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt(user_password="", owner_password="secret", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    error = _rejected(_upload("1.pdf", buffer.getvalue()))
    assert error.code == "encrypted_pdf"
    assert error.messages == ["「1.pdf」是加密的 PDF，请上传未加密的扫描件"]


def test_it_refuses_an_unparsable_pdf():
    error = _rejected(_upload("1.pdf", b"%PDF-1.7\n this is not a pdf at all\n"))
    assert error.code == "corrupt_pdf"
    assert error.messages == ["「1.pdf」PDF 文件已损坏，无法读取"]


def test_it_refuses_a_truncated_pdf():
    content = _reportlab_pdf(pages=2)
    assert _rejected(_upload("1.pdf", content[: len(content) // 3])).code == "corrupt_pdf"


def test_it_refuses_a_pdf_without_pages():
    buffer = io.BytesIO()
    PdfWriter().write(buffer)
    assert _rejected(_upload("1.pdf", buffer.getvalue())).code == "empty_pdf"


def test_it_will_not_run_with_truncated_images_allowed(monkeypatch):
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    with pytest.raises(ImproperlyConfigured):
        inspect_upload(_upload("1.jpg", _jpeg()), max_bytes=LIMIT)


# --- page numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "page"),
    [
        ("1.jpg", 1),
        ("第10页.png", 10),
        ("page_02.jpg", 2),
        ("contract.jpg", None),
        ("2024年合同_3.pdf", 3),
        ("scan.v2.jpg", 2),
        ("12", 12),
        ("", None),
    ],
)
def test_it_reads_the_page_number_from_the_file_name(name, page):
    assert page_number(name) == page


def test_it_orders_pages_numerically_with_unnumbered_files_last():
    names = ["10.jpg", "2.jpg", "封面.jpg", "1.jpg", "附件.pdf", "第3页.png", "page_11.jpg"]
    files = [_upload(name, b"x") for name in names]
    ordered = [f.name for f in order_pages(files)]
    assert ordered == ["1.jpg", "2.jpg", "第3页.png", "10.jpg", "page_11.jpg", "封面.jpg", "附件.pdf"]


def test_it_refuses_an_image_over_forty_megapixels_from_its_header(monkeypatch):
    width, height = 8000, 6000  # 48 MP: below Pillow's own limit, above ours
    assert MAX_PIXELS < width * height < Image.MAX_IMAGE_PIXELS

    def never(*_args, **_kwargs):
        raise AssertionError("decoded before the size was checked")

    monkeypatch.setattr(ImageFile.ImageFile, "load", never)
    monkeypatch.setattr(PngImagePlugin.PngImageFile, "verify", never)
    error = _rejected(_upload("1.png", _bilevel_png(width, height)))
    assert error.code == "too_many_pixels"
    assert error.messages == ["「1.png」图片超过 4000 万像素，请降低扫描分辨率（300 dpi 即可）后重新上传"]
