"""Storing scans: the one path from a validated upload to an ``Attachment`` row and a stored file.

Files are written through Django's storage API under server-generated keys, in two steps: ``write``
puts the files in storage *before* the action opens its transaction (a slow or hung bucket must never
hold a row lock), ``add_rows`` creates their rows inside it. Storage is not transactional, so every
action that stores files runs inside ``cleanup_on_failure()``: if the action raises (its transaction
rolled back), the files it wrote are deleted again. Anything older that no row references (a crash, or
a delete that failed too) is removed by ``manage.py sweep_attachments``.
"""

import logging
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction

from .models import Attachment, StagedUpload
from .uploads import ScanInfo, inspect_upload, order_pages

MB = 1024 * 1024
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Scan:
    """An upload that passed ``inspect_upload``, ready to store."""

    file: object
    info: ScanInfo


def inspect_files(files, *, label: str) -> list[Scan]:
    """Validate uploads of one attachment type; pages ordered by the number in their names."""
    scans, errors = [], []
    for f in order_pages(files):
        try:
            scans.append(Scan(f, inspect_upload(f, max_bytes=settings.ATTACHMENT_MAX_FILE_MB * MB)))
        except ValidationError as e:
            errors.extend(f"{label}：{m}" for m in e.messages)
    if errors:
        raise ValidationError(errors)
    return scans


def check_totals(scans: list[Scan]) -> None:
    """Per-request limits on the number of files and their total size."""
    if len(scans) > settings.ATTACHMENT_MAX_FILES_PER_REQUEST:
        raise ValidationError(f"附件过多：每次最多上传 {settings.ATTACHMENT_MAX_FILES_PER_REQUEST} 个文件。")
    total = sum(s.info.size for s in scans)
    if total > settings.ATTACHMENT_MAX_REQUEST_MB * MB:
        raise ValidationError(f"附件总大小超过 {settings.ATTACHMENT_MAX_REQUEST_MB} MB，请压缩后重新上传。")


@contextmanager
def cleanup_on_failure():
    """Yield a list that ``store`` appends stored names to; delete those files if the block raises.

    Enter it *outside* ``transaction.atomic()`` so the rollback has happened before the files go.
    """
    saved: list[str] = []
    try:
        yield saved
    except BaseException:
        for name in saved:
            try:
                default_storage.delete(name)
            except Exception:
                # The storage that just failed may fail again: the sweep removes the file later.
                logger.warning("could not delete %s after a failed action; sweep_attachments will", name)
        raise


def write(scans_by_type: dict, *, user, saved: list) -> list[Attachment]:
    """Write each scan to storage and return its ``Attachment``, not saved yet (``add_rows`` saves it).

    Call *before* the action's ``transaction.atomic()``, inside ``cleanup_on_failure()``: no row lock is
    held while the bytes travel to the bucket.
    """
    created = []
    for att_type, scans in scans_by_type.items():
        for scan in scans:
            attachment = Attachment(
                type=att_type,
                page=scan.info.page,
                original_name=scan.info.name[:255],
                content_type=scan.info.content_type,
                size=scan.info.size,
                sha256=scan.info.sha256,
                greyscale=scan.info.greyscale,
                uploaded_by=user,
            )
            # Name and type come from what the content was judged to be, never from the browser, so
            # the stored object (e.g. in a bucket) cannot be served as HTML.
            scan.file.content_type = scan.info.content_type
            attachment.file.save(f"scan.{scan.info.extension}", scan.file, save=False)
            saved.append(attachment.file.name)
            attachment.staged = getattr(scan.file, "staged", None)
            created.append(attachment)
    return created


def add_rows(written: list[Attachment], *, application=None, qualification=None) -> None:
    """Create the rows of files ``write`` stored (inside the action's atomic)."""
    for attachment in written:
        attachment.application = application
        attachment.qualification = qualification
        attachment.save()
        _unstage(attachment.staged)


def _unstage(staged) -> None:
    """A staged file (reviews.staging) now stored as an attachment is staged no more: its row goes in
    the filing's transaction (a rollback leaves it claimable for the next try), its file after the commit."""
    if staged is None:
        return
    name = staged.file.name
    StagedUpload.objects.filter(pk=staged.pk).delete()
    transaction.on_commit(lambda: default_storage.delete(name))


def supersede(attachments, *, in_round: int) -> None:
    """Mark attachment rows as replaced in review round ``in_round``; rows and files are kept."""
    attachments.update(superseded_in_round=in_round)
