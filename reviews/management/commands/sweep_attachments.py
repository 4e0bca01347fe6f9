"""Delete stored scans that no Attachment row references (left by a crash between storage and commit),
and staged uploads whose form never came (older than STAGED_UPLOAD_HOURS)."""

from datetime import timedelta

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand
from django.utils import timezone

from reviews import inventory
from reviews.models import Attachment, StagedUpload

STAGED = "staged"


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
        seen = set(orphans)
        for folder, model in ((inventory.ROOT, Attachment), (STAGED, StagedUpload)):
            # Files older than the cutoff, from the listing; younger ones may belong to an upload whose
            # transaction has not committed yet.
            old = [
                f.name
                for f in inventory.stored(default_storage, folder)
                if f.modified < cutoff and f.name not in seen
            ]
            referenced = set()
            for start in range(0, len(old), 1000):
                chunk = old[start : start + 1000]
                referenced.update(model.objects.filter(file__in=chunk).values_list("file", flat=True))
            orphans += [name for name in old if name not in referenced]
        for name in orphans:
            if not dry_run:
                default_storage.delete(name)
            self.stdout.write(f"{'将删除' if dry_run else '已删除'} {name}")
        verb = "发现" if dry_run else "清理"
        self.stdout.write(self.style.SUCCESS(f"{verb}孤立文件 {len(orphans)} 个。"))
