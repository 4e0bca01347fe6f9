"""Downloading a scan, or its thumbnail: only through these permission-checked views, never from a
public URL."""

import io
import os
import shutil
import subprocess
import tempfile

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.clickjacking import xframe_options_sameorigin
from PIL import Image

from audit.events import Kind, record

from .. import processes
from ..models import Attachment

THUMBNAIL = (240, 240)
SANDBOX = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"


def _seen(request: HttpRequest, pk: int) -> Attachment:
    """The scan if ``request.user`` may see its request or qualification (404 otherwise); every view of
    an identity document, full size or thumbnail, is audited."""
    attachment = get_object_or_404(Attachment.objects.visible_to(request.user), pk=pk)
    if processes.is_identity_document(attachment.type):
        record(Kind.ID_SCAN_VIEWED, request=request, obj=attachment, detail=attachment.get_type_display())
    return attachment


def _guarded(response):
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    response["Content-Security-Policy"] = SANDBOX
    return response


@xframe_options_sameorigin
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """Serve a scan to a user who may see its request or qualification (404 otherwise).

    The content type is the one judged at upload; nosniff, no-store and a CSP sandbox keep a file
    with an appended payload from ever running in the app's origin. ``?download=1`` forces a save.
    """
    attachment = _seen(request, pk)
    response = FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.content_type,
        as_attachment=request.GET.get("download") == "1",
        filename=attachment.original_name,
    )
    return _guarded(response)


def attachment_thumbnail(request: HttpRequest, pk: int) -> HttpResponse:
    """A small JPEG of a scan (a PDF's first page) for the viewer's strip; same scope and audit as the
    scan itself. A PDF that cannot be rendered here gets a plain tile."""
    attachment = _seen(request, pk)
    with attachment.file.open("rb") as f:
        data = f.read()
    image = _image_thumbnail(data) if attachment.is_image else _pdf_thumbnail(data)
    if image is None:
        image = Image.new("RGB", (THUMBNAIL[0] * 3 // 4, THUMBNAIL[1]), (236, 240, 245))
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=80)
    return _guarded(HttpResponse(buffer.getvalue(), content_type="image/jpeg"))


def _image_thumbnail(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.draft("RGB", THUMBNAIL)  # a JPEG is decoded at a fraction of its size
    image.thumbnail(THUMBNAIL)
    return image


def _pdf_thumbnail(data: bytes) -> Image.Image | None:
    """The first page, rendered by poppler's pdftoppm (the file passed the upload checks: no scripts)."""
    if not shutil.which("pdftoppm"):
        return None
    with tempfile.TemporaryDirectory() as folder:
        source = f"{folder}/scan.pdf"
        with open(source, "wb") as f:
            f.write(data)
        try:
            subprocess.run(
                [
                    "pdftoppm",
                    "-f",
                    "1",
                    "-l",
                    "1",
                    "-scale-to",
                    str(THUMBNAIL[0]),
                    "-jpeg",
                    source,
                    f"{folder}/p",
                ],
                check=True,
                timeout=10,
                capture_output=True,
            )
            rendered = next(iter(sorted(p for p in os.listdir(folder) if p.startswith("p"))), None)
        except (subprocess.SubprocessError, OSError):
            return None
        if rendered is None:
            return None
        with Image.open(f"{folder}/{rendered}") as page:
            page.load()
            return page.copy()
