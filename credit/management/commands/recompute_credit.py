"""Run daily (deploy/systemd/jiance-credit.timer): this year's scores, so that expired records no longer count."""

from django.core.management.base import BaseCommand

from credit.scoring import recompute_all


class Command(BaseCommand):
    help = "重新计算本年度信用评价（记录到期后不再计分）"

    def handle(self, *args, **options):
        written = recompute_all()
        self.stdout.write(f"已计算 {written} 条信用评价")
