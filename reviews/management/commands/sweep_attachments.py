"""Delete stored scans that no row references (left by a crash between storage and commit), and staged
uploads (reviews.staging) whose form never came: rows and files, ``STAGED_UPLOAD_HOURS`` after upload."""

from datetime import timedelta

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand
from django.utils import timezone

from reviews.models import Attachment, StagedUpload

ROOT = "attachments"
STAGED = "staged"


def stored_names(storage, folder=ROOT):
    """Every file name under ``folder`` in storage, recursively."""
    try:
        dirs, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{folder}/{name}"
    for sub in dirs:
        yield from stored_names(storage, f"{folder}/{sub}")


class Command(BaseCommand):
    help = "清理存储中无附件记录引用的孤立文件。"

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=24, help="只清理早于这么多小时的文件（默认 24）")
        parser.add_argument("--dry-run", action="store_true", help="只列出，不删除")

    def handle(self, *args, hours, dry_run, **options):
        cutoff = timezone.now() - timedelta(hours=hours)
        expired = list(StagedUpload.objects.expired().values_list("pk", "file"))
        if not dry_run:
            StagedUpload.objects.filter(pk__in=[pk for pk, _ in expired]).delete()
        orphans = [name for _, name in expired]
        for folder, model in ((ROOT, Attachment), (STAGED, StagedUpload)):
            for name in stored_names(default_storage, folder):
                if name in orphans or default_storage.get_modified_time(name) >= cutoff:
                    continue  # may belong to an upload whose transaction has not committed yet
                if not model.objects.filter(file=name).exists():
                    orphans.append(name)
        for name in orphans:
            if not dry_run:
                default_storage.delete(name)
            self.stdout.write(f"{'将删除' if dry_run else '已删除'} {name}")
        verb = "发现" if dry_run else "清理"
        self.stdout.write(self.style.SUCCESS(f"{verb}孤立文件 {len(orphans)} 个。"))
