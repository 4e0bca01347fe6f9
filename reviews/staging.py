"""Staged uploads: scans sent to the server as they are chosen, before their form is submitted.

The browser (static/js/app.js) posts each chosen file to ``upload_stage``; it is checked at once by the
same ``inspect_upload`` as any scan, stored under ``staged/`` and answered with a token. The form then
carries ``<field>__staged`` tokens instead of the files, so a form that comes back with an error keeps
them. ``scan_files(request)`` turns the tokens back into files for the form's scan fields, taking only
the user's own live staged files; filing stores them as attachments like any upload
(``attachments.add_rows``), which deletes the staged row in the filing's transaction and its file after
the commit. Without JavaScript
the plain file inputs are posted as before.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.datastructures import MultiValueDict

from . import processes
from .attachments import MB, cleanup_on_failure
from .models import StagedUpload
from .uploads import UploadRejected, check_page_order, inspect_upload

SUFFIX = "__staged"


class StagedFile(File):
    """A staged scan read back from storage, named as the user named it."""

    def __init__(self, staged: StagedUpload):
        super().__init__(staged.file.open("rb"), name=staged.original_name)
        self.staged = staged
        self.size = staged.size


class UnclaimedFile:
    """A token that names no live staged file of this user (expired, consumed, or someone else's)."""

    name = ""
    size = 0
    message = "之前上传的文件已过期或已失效，请重新选择文件。"


def max_staged_files() -> int:
    """How many live staged files one user may hold: two full submissions' worth."""
    return 2 * settings.ATTACHMENT_MAX_FILES_PER_REQUEST


def stage(user, f, scan_type: str) -> StagedUpload:
    """Check the upload ``f`` as a scan of ``scan_type`` and keep it for ``user``'s next submission.

    Raises ``ValidationError`` (Chinese, naming the file) when it is not an acceptable scan, when a
    paged scan's file name has no page number, or when the user holds too many staged files. Nothing
    is stored then.
    """
    spec = processes.scan_spec(scan_type)
    if spec is None:
        raise ValidationError("附件类型无效。")
    info = inspect_upload(f, max_bytes=settings.ATTACHMENT_MAX_FILE_MB * MB)
    if spec.paged:
        check_page_order_of_one(info.name, label=spec.upload_label)
    if StagedUpload.objects.claimable_by(user).count() >= max_staged_files():
        raise ValidationError("暂存的文件过多，请先提交表单或移除不需要的文件。")
    with cleanup_on_failure() as saved, transaction.atomic():
        staged = StagedUpload(
            owner=user,
            type=scan_type,
            original_name=info.name[:255],
            content_type=info.content_type,
            size=info.size,
            page=info.page,
            greyscale=info.greyscale,
        )
        f.content_type = info.content_type
        staged.file.save(f"scan.{info.extension}", f, save=False)
        saved.append(staged.file.name)
        staged.save()
    return staged


def check_page_order_of_one(name: str, *, label: str) -> None:
    """What can be judged of one page on its own: that its name carries a page number."""
    try:
        check_page_order([name], label=label)
    except UploadRejected as e:
        messages = [m for m in e.messages if "没有页码" in m]
        if messages:
            raise UploadRejected(messages, code="page_order") from None


def discard(user, token: str) -> bool:
    """Remove one of ``user``'s staged files; False when the token is not theirs."""
    staged = StagedUpload.objects.filter(owner=user, token=token).first()
    if staged is None:
        return False
    name = staged.file.name
    staged.delete()
    default_storage.delete(name)
    return True


def scan_files(request) -> MultiValueDict:
    """``request.FILES`` plus, under each scan field's name, the staged files its tokens name.

    A token that is not the user's live staged file becomes an ``UnclaimedFile``, which the scan field
    refuses with a message; a token repeated counts once.
    """
    files = request.FILES.copy()
    for key in request.POST:
        if not key.endswith(SUFFIX):
            continue
        tokens = list(dict.fromkeys(t for t in request.POST.getlist(key) if t))[: max_staged_files()]
        found = {s.token: s for s in StagedUpload.objects.claimable_by(request.user).filter(token__in=tokens)}
        field = key[: -len(SUFFIX)]
        for token in tokens:
            files.appendlist(field, StagedFile(found[token]) if token in found else UnclaimedFile())
    return files
