"""manage.py refresh_stats: queue a refresh of the dashboard's figures for the job worker (the systemd
timer runs it every 10 minutes), or with --now compute them here and print what each chart took."""

from django.core.management.base import BaseCommand

from stats import summary
from stats.tasks import refresh_statistics


class Command(BaseCommand):
    help = "更新统计分析的数据（默认交由后台任务执行；--now 立即在此执行并显示用时）。"

    def add_arguments(self, parser):
        parser.add_argument("--now", action="store_true", help="在此进程中立即计算，不经后台任务")

    def handle(self, *args, now: bool = False, **options):
        if not now:
            refresh_statistics.enqueue()
            self.stdout.write("已提交统计数据更新任务。")
            return
        outcome = summary.refresh()
        for chart, seconds in outcome.seconds.items():
            self.stdout.write(f"{chart:14} {seconds:6.2f} s")
        self.stdout.write(f"共 {outcome.figures} 项数据，用时 {sum(outcome.seconds.values()):.2f} s")
