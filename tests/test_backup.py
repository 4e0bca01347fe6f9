"""manage.py check_attachments: after a restore, rows and stored files agree both ways."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from reviews.models import Attachment

from . import workflow
from .files import stored_files

RECEIVER = "苏州建科建材检测有限公司"


def check() -> str:
    out = io.StringIO()
    call_command("check_attachments", stdout=out)
    return out.getvalue()


def refused() -> str:
    with pytest.raises(CommandError) as e:
        check()
    return str(e.value)


@pytest.fixture
def received(login):
    """王强's transfer, filed and received through HTTP: six scans."""
    application = workflow.file_transfer(login("nj-jc"), "王强", RECEIVER)
    workflow.accept(login("sz-jc"), application)
    assert len(stored_files()) == 6
    return application


def test_it_finds_rows_and_files_in_agreement(received):
    assert "一致。附件记录 6 条，存储文件 6 个" in check()


def test_it_names_a_row_whose_file_is_missing(received):
    lost = Attachment.objects.filter(application=received).first().file.name
    (Path(settings.MEDIA_ROOT) / lost).unlink()
    message = refused()
    assert "附件与存储不一致" in message and "存储文件 5 个" in message
    with pytest.raises(CommandError):
        out = io.StringIO()
        call_command("check_attachments", stdout=out)
    assert f"记录存在但文件缺失：1 个\n  {lost}" in out.getvalue()


def test_it_names_a_file_no_row_references(received):
    stray = Path(settings.MEDIA_ROOT) / "attachments/2026/01/stray.jpg"
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"\xff\xd8\xff")
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("check_attachments", stdout=out)
    assert "文件无对应记录：1 个\n  attachments/2026/01/stray.jpg" in out.getvalue()


def test_it_names_a_file_cut_short(received):
    name = Attachment.objects.filter(application=received).first().file.name
    path = Path(settings.MEDIA_ROOT) / name
    path.write_bytes(path.read_bytes()[:100])
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("check_attachments", stdout=out)
    assert f"文件大小与记录不符：1 个\n  {name}" in out.getvalue()


DRILL = Path(settings.BASE_DIR) / "deploy" / "drill" / "backup.py"


def test_the_backup_drill_restores_every_row_and_notices_a_lost_scan():
    """deploy/drill/backup.py on SQLite + local files: dump, sync, wipe, restore, check; with --break one
    scan is lost after the restore, and the drill must say so and fail (about 15 s)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "S3_BUCKET")}
    result = subprocess.run(
        [sys.executable, DRILL, "sqlite", "--break"], env=env, capture_output=True, text=True, timeout=300
    )
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    assert "一致。附件记录 15 条，存储文件 15 个" in out  # before the backup
    before = out.split("[drill] before: ")[1].splitlines()[0]
    after = out.split("[drill] after:  ")[1].splitlines()[0]
    assert before == after and "'reviews.Attachment': '15'" in after  # every row came back
    assert "记录存在但文件缺失：1 个" in out and "存储文件 14 个" in out
    assert "[drill] MISMATCH in" in out
