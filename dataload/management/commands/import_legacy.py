"""Import institutions, people and certificates from the old system's export (docs/legacy-import.md)."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dataload import legacy
from dataload.legacy import institution_records


class Command(BaseCommand):
    help = (
        "从旧系统导出的 .xlsx 或 .csv 文件导入检测机构、检测人员和岗位合格证书；"
        "或按列名识别的机构登录账号、资质、检测能力文件。"
        "先校验全部行，有任何错误则逐行报告且不导入任何数据；已存在的记录跳过，不作修改。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="导出文件（.xlsx 或 .csv）")
        parser.add_argument("--dry-run", action="store_true", help="只校验，不写入")
        parser.add_argument("--quiet", action="store_true", help="不显示进度")

    def handle(self, *args, file, dry_run, quiet, verbosity, **options):
        started = time.monotonic()
        progress = None if quiet or verbosity == 0 else self._progress
        try:
            kind = institution_records.record_kind(file)
            if kind is not None:
                summary = institution_records.run(file, kind, dry_run=dry_run)
                self._report_records(summary, verbosity, time.monotonic() - started)
                return
            summary = legacy.run_import(file, dry_run=dry_run, progress=progress)
        except legacy.LegacyFileError as exc:
            raise CommandError(str(exc)) from exc
        except legacy.ImportRejected as rejected:
            self.stdout.write("校验未通过：")
            for error in rejected.errors:
                self.stdout.write(str(error))
            raise CommandError(
                f"共 {len(rejected.errors)} 处错误（涉及 {rejected.row_count} 行），未导入任何数据。"
            ) from rejected
        self._report(summary, verbosity, time.monotonic() - started)

    def _report_records(self, summary, verbosity: int, seconds: float) -> None:
        self._notes(summary, verbosity)
        verb = "将新增" if summary.dry_run else "新增"
        prefix = "试运行，未写入任何数据。" if summary.dry_run else "导入完成。"
        self.stdout.write(
            self.style.SUCCESS(
                f"{prefix}{summary.kind.name}文件共 {summary.rows} 行：{verb} {summary.created}，"
                f"跳过 {len(summary.skipped)} 行（已存在）；用时 {seconds:.1f} 秒。"
            )
        )

    def _notes(self, summary, verbosity: int) -> None:
        """The importer's notes, and at -v 2 each row skipped as already there."""
        if verbosity >= 1:
            for note in summary.notes:
                self.stdout.write(f"提示：{note}")
        if verbosity >= 2:
            for row in summary.skipped:
                self.stdout.write(f"第 {row} 行 已存在（跳过）")

    def _progress(self, line: str) -> None:
        self.stderr.write(line, style_func=str)

    def _report(self, summary: legacy.Summary, verbosity: int, seconds: float) -> None:
        self._notes(summary, verbosity)
        verb = "将新增" if summary.dry_run else "新增"
        counts = (
            f"机构 {verb} {summary.institutions}，人员 {verb} {summary.people}，"
            f"证书 {verb} {summary.certificates}，跳过 {len(summary.skipped)} 行（已存在）"
        )
        prefix = "试运行，未写入任何数据。" if summary.dry_run else "导入完成。"
        self.stdout.write(
            self.style.SUCCESS(f"{prefix}共 {summary.rows} 行：{counts}；用时 {seconds:.1f} 秒。")
        )
