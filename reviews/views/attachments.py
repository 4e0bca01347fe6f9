"""Downloading a scan: only through this permission-checked view, never from a public URL."""

from django.http import FileResponse, HttpRequest
from django.shortcuts import get_object_or_404
from django.views.decorators.clickjacking import xframe_options_sameorigin

from audit.events import Kind, record

from .. import processes
from ..models import Attachment


@xframe_options_sameorigin
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """Serve a scan to a user who may see its request or qualification (404 otherwise).

    The content type is the one judged at upload; nosniff, no-store and a CSP sandbox keep a file
    with an appended payload from ever running in the app's origin. ``?download=1`` forces a save.
    """
    attachment = get_object_or_404(Attachment.objects.visible_to(request.user), pk=pk)
    if processes.is_identity_document(attachment.type):
        record(Kind.ID_SCAN_VIEWED, request=request, obj=attachment, detail=attachment.get_type_display())
    response = FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.content_type,
        as_attachment=request.GET.get("download") == "1",
        filename=attachment.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    response["Content-Security-Policy"] = (
        "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    )
    return response
