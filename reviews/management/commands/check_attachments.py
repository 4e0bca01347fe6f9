"""After a restore: every Attachment row has its file (of the recorded size), every stored file a row."""

import time

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError

from reviews import inventory
from reviews.models import Attachment


class Command(BaseCommand):
    help = (
        "核对附件记录与存储中的文件（双向）：记录缺文件、文件大小不符、文件无记录。任何不一致以非零状态退出。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=20, help="每类最多列出多少个（默认 20）")

    def handle(self, *args, limit, **options):
        started = time.monotonic()
        rows = Attachment.objects.values_list("file", "size").iterator(chunk_size=5000)
        result = inventory.compare(rows, inventory.stored(default_storage))
        took = time.monotonic() - started
        for title, names in [
            ("记录存在但文件缺失", result.missing),
            ("文件大小与记录不符", result.wrong_size),
            ("文件无对应记录", [f.name for f in result.unreferenced]),
        ]:
            if names:
                self.stdout.write(f"{title}：{len(names)} 个")
                for name in names[:limit]:
                    self.stdout.write(f"  {name}")
        summary = f"附件记录 {result.rows} 条，存储文件 {result.files} 个，用时 {took:.1f} 秒。"
        if not result.consistent:
            raise CommandError(f"附件与存储不一致。{summary}")
        self.stdout.write(self.style.SUCCESS(f"一致。{summary}"))
