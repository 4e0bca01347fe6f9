"""The deploy/ files agree with the app's settings, and nginx accepts the site."""

import re
import runpy
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from web.limits import KB, MB

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
SITE = DEPLOY / "nginx" / "jiance.conf"
SIZE_UNITS = {"": 1, "k": KB, "m": MB, "g": 1024 * MB}


def directive(name: str) -> list[str]:
    return re.findall(rf"^\s*{name}\s+([^;]+);", SITE.read_text(), re.MULTILINE)


def nginx_bytes(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kmg]?)", value.strip().lower()).groups()
    return int(number) * SIZE_UNITS[unit]


def test_nginx_takes_exactly_the_bodies_the_app_takes():
    (limit,) = directive("client_max_body_size")
    app_limit = settings.ATTACHMENT_MAX_REQUEST_MB * MB + settings.REQUEST_MAX_KB * KB
    assert nginx_bytes(limit) == app_limit


def test_nginx_never_sends_a_post_to_a_second_app_server():
    (retry,) = directive("proxy_next_upstream")
    assert "non_idempotent" not in retry
    assert "error" in retry.split()  # but a dead app server is skipped for GETs


def test_nginx_sets_the_client_address_header_the_app_reads():
    example = (DEPLOY / "jiance.env.example").read_text()
    header = re.search(r"^CLIENT_IP_HEADER=HTTP_(\w+)$", example, re.MULTILINE).group(1)
    sent = {h.split()[0].upper().replace("-", "_"): h.split()[1] for h in directive("proxy_set_header")}
    assert sent[header] == "$remote_addr"


def test_nginx_error_pages_are_the_apps_chinese_pages():
    root = Path(settings.BASE_DIR) / "static"
    pages = {code: page for *codes, page in map(str.split, directive("error_page")) for code in codes}
    assert set(pages) == {"413", "502", "503", "504"}
    for page in pages.values():
        text = (root / page.lstrip("/")).read_text()
        assert '<html lang="zh-hans">' in text
    assert "系统繁忙，请稍后重试" in (root / "errors/503.html").read_text()


def test_timeouts_nest_storage_inside_gunicorn_inside_nginx():
    gunicorn = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    storage_worst = 2 * (settings.S3_CONNECT_TIMEOUT + settings.S3_READ_TIMEOUT)
    (read_timeout,) = directive("proxy_read_timeout")
    assert storage_worst < gunicorn["timeout"] < int(read_timeout.rstrip("s"))
    assert gunicorn["accesslog"] and gunicorn["graceful_timeout"] > 0


def test_systemd_runs_the_app_the_worker_and_the_timers():
    units = DEPLOY / "systemd"
    assert (
        "gunicorn -c deploy/gunicorn.conf.py jiance.wsgi:application"
        in (units / "jiance.service").read_text()
    )
    assert "ExecReload=/bin/kill -s HUP $MAINPID" in (units / "jiance.service").read_text()
    assert "manage.py db_worker" in (units / "jiance-worker.service").read_text()
    for job, command in [
        ("clearsessions", "clearsessions"),
        ("purge-audit", "purge_audit"),
        ("sweep-attachments", "sweep_attachments"),
        ("sweep-jobs", "sweep_jobs"),
        ("sweep-jobs", "prune_db_task_results"),
        ("notices", "notify_expiring_qualifications"),
        ("notices", "notify_deadlines"),
        ("notices", "send_notice_digests"),
        ("refresh-stats", "refresh_stats"),
        ("recompute-credit", "recompute_credit"),
    ]:
        assert f"manage.py {command}\n" in (units / f"jiance-{job}.service").read_text()
        assert "OnCalendar=" in (units / f"jiance-{job}.timer").read_text()


@pytest.mark.skipif(not shutil.which("nginx"), reason="nginx is not installed (bin/setup installs it)")
def test_nginx_accepts_the_site(tmp_path):
    """`nginx -t` on the site as shipped, with a throw-away certificate and log folder."""
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-keyout", tmp_path / "key.pem", "-out", tmp_path / "cert.pem"],
        check=True, capture_output=True,
    )  # fmt: skip
    site = (
        SITE.read_text()
        .replace("/etc/ssl/jiance/fullchain.pem", str(tmp_path / "cert.pem"))
        .replace("/etc/ssl/jiance/privkey.pem", str(tmp_path / "key.pem"))
        .replace("/var/log/nginx/", f"{tmp_path}/")
    )
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{ include /etc/nginx/mime.types; include {tmp_path}/site.conf; }}\n"
    )
    result = subprocess.run(
        ["nginx", "-t", "-c", tmp_path / "nginx.conf", "-p", tmp_path], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr
