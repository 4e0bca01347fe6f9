"""Delete finished jobs past their time (``JOB_RETENTION_HOURS``) with their files, and stale ones."""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db.models import Q
from django.utils import timezone

from jobs.models import Job


class Command(BaseCommand):
    help = "删除已过期的后台任务及其文件。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--stale-hours", type=int, default=24, help="排队或生成超过这么多小时的任务视为失效（默认 24）"
        )

    def handle(self, *args, stale_hours, **options):
        now = timezone.now()
        stale = now - timedelta(hours=stale_hours)
        expired = Job.objects.filter(
            Q(expires_at__lte=now)
            | Q(state=Job.State.FAILED, finished_at__lte=stale)
            | Q(state__in=[Job.State.QUEUED, Job.State.RUNNING], created_at__lte=stale)
        )
        files = deleted = 0
        for job in expired.iterator():
            if job.file:
                job.file.storage.delete(job.file.name)
                files += 1
            job.delete()
            deleted += 1
        self.stdout.write(f"已删除 {deleted} 个过期任务，{files} 个文件。")
