"""Real scan bytes for tests: colour and grey images, PDFs, and things that are not scans."""

import io
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw
from reportlab.pdfgen import canvas


def jpeg_bytes(colour=(200, 40, 40), size=(120, 90)) -> bytes:
    image = Image.new("RGB", size, (250, 250, 245))
    ImageDraw.Draw(image).ellipse((20, 10, 100, 80), outline=colour, width=6)
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=85)
    return buf.getvalue()


def png_bytes(mode="RGB", size=(80, 60)) -> bytes:
    image = Image.new(mode, size, (30, 90, 200) if mode == "RGB" else 128)
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


def pdf_bytes(text="scan") -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(72, 720, text)
    c.showPage()
    c.save()
    return buf.getvalue()


def jpeg(name="1.jpg", **kw) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_bytes(**kw), content_type="image/jpeg")


def png(name="1.png", **kw) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(**kw), content_type="image/png")


def pdf(name="scan.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")


def html_as_jpg(name="evil.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"<html><script>alert(1)</script></html>", content_type="image/jpeg")


def stored_files() -> set[str]:
    """Every file under MEDIA_ROOT (each test has its own), relative to it."""
    media = Path(settings.MEDIA_ROOT)
    return {str(p.relative_to(media)) for p in media.rglob("*") if p.is_file()} if media.exists() else set()
