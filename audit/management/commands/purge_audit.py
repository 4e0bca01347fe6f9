"""Delete audit rows older than the retention; never anything younger than six months."""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from audit.models import MIN_RETENTION_DAYS, AuditEvent


class Command(BaseCommand):
    help = f"删除超过保存期限的安全审计记录（保存期限不少于 {MIN_RETENTION_DAYS} 天）。"

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=settings.AUDIT_RETENTION_DAYS, help="保存天数")

    def handle(self, *args, days, **options):
        if days < MIN_RETENTION_DAYS:
            raise CommandError(
                f"安全审计记录至少保存 {MIN_RETENTION_DAYS} 天，不能删除 {days} 天以内的记录。"
            )
        cutoff = timezone.now() - timedelta(days=days)
        deleted, _ = AuditEvent.objects.filter(at__lt=cutoff).delete()
        self.stdout.write(f"已删除 {deleted} 条 {cutoff:%Y-%m-%d} 以前的安全审计记录。")
