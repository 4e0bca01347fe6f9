"""Faults of the database, the bucket and the cache end in the Chinese 503 page (系统繁忙，请稍后重试),
leave no row and no file behind, and never hold a row lock while bytes travel to storage."""

import os
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from botocore.exceptions import ReadTimeoutError
from django.core.files.storage import FileSystemStorage
from django.db import OperationalError, close_old_connections, connection
from django.test import Client

from institutions.models import User
from reviews.models import Application, Attachment, State

from . import workflow
from .files import stored_files

BUSY = "系统繁忙，请稍后重试"
CHECK_THE_LIST = "请先到相应的列表中查看是否已有这条记录"
ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def connections_other():
    """A second, independent database connection (another session on the server)."""
    other = connection.copy()
    try:
        with other.cursor() as cursor:
            yield cursor
    finally:
        other.close()


def client_for(username: str) -> Client:
    """A logged-in client that shows the error page the user would get instead of raising."""
    client = Client(raise_request_exception=False)
    client.force_login(User.objects.get(username=username))
    return client


def database_fails(when=lambda sql: True, error=OperationalError):
    def wrapper(execute, sql, params, many, context):
        if when(sql):
            raise error("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    return connection.execute_wrapper(wrapper)


def test_a_database_fault_on_a_page_is_the_busy_page_not_a_500(demo):
    client = client_for("nj-jc")
    with database_fails():
        response = client.get("/")
    assert response.status_code == 503
    page = response.content.decode()
    assert BUSY in page
    assert CHECK_THE_LIST not in page
    assert response["Retry-After"]


def test_a_database_fault_while_filing_says_to_check_the_list_and_leaves_nothing(demo):
    client = client_for("nj-jc")
    before = Application.objects.count()
    with database_fails(when=lambda sql: sql.startswith('INSERT INTO "reviews_application"')):
        response = workflow.post_transfer(client, "王强", "苏州建科建材检测有限公司")
    assert response.status_code == 503, response.content.decode()[:500]
    assert BUSY in response.content.decode()
    assert CHECK_THE_LIST in response.content.decode()
    assert Application.objects.count() == before
    assert stored_files() == set()  # the scan written before the transaction was deleted again


def test_a_bug_after_a_post_is_a_500_that_also_says_to_check_the_list(demo):
    client = client_for("nj-jc")
    with database_fails(
        when=lambda sql: sql.startswith('INSERT INTO "reviews_application"'), error=ValueError
    ):
        response = workflow.post_transfer(client, "王强", "苏州建科建材检测有限公司")
    assert response.status_code == 500
    assert CHECK_THE_LIST in response.content.decode()


class BucketTimesOutOnThirdFile(FileSystemStorage):
    saves = 0

    def _save(self, name, content):
        type(self).saves += 1
        if type(self).saves == 3:
            raise ReadTimeoutError(endpoint_url="http://bucket.example/attachments")
        return super()._save(name, content)


def test_a_bucket_timeout_midway_through_receipt_is_the_busy_page_and_leaves_no_orphan(demo, settings):
    application = workflow.file_transfer(client_for("nj-jc"), "王强", "苏州建科建材检测有限公司")
    filed = stored_files()
    assert len(filed) == 1
    BucketTimesOutOnThirdFile.saves = 0
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "tests.test_faults.BucketTimesOutOnThirdFile",
            "OPTIONS": {"location": settings.MEDIA_ROOT},
        },
    }
    response = workflow.accept(client_for("sz-jc"), application, expect=503)
    assert BUSY in response.content.decode()
    assert CHECK_THE_LIST in response.content.decode()
    assert BucketTimesOutOnThirdFile.saves == 3
    application.refresh_from_db()
    assert application.state == State.PENDING_RECEIPT
    assert Attachment.objects.filter(application=application).count() == 1
    assert stored_files() == filed  # the two files written before the timeout are gone again


class WatchedStorage(FileSystemStorage):
    """Records, for every file written, whether a transaction (and so possibly a row lock) was open."""

    in_transaction: list[bool] = []

    def _save(self, name, content):
        type(self).in_transaction.append(connection.in_atomic_block)
        return super()._save(name, content)


@pytest.mark.django_db(transaction=True)
def test_scans_are_written_to_storage_while_no_row_is_locked(demo, settings):
    WatchedStorage.in_transaction = []
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "tests.test_faults.WatchedStorage",
            "OPTIONS": {"location": settings.MEDIA_ROOT},
        },
    }
    application = workflow.file_transfer(client_for("nj-jc"), "王强", "苏州建科建材检测有限公司")
    workflow.accept(client_for("sz-jc"), application)
    assert len(WatchedStorage.in_transaction) == 6  # 1 filed + 5 on receipt
    assert not any(WatchedStorage.in_transaction)
    assert Attachment.objects.filter(application=application).count() == 6


def test_certificate_lookup_keeps_answering_when_redis_is_down(demo, settings, caplog):
    settings.CACHES = {
        "default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    public = Client(raise_request_exception=False)
    response = public.get("/verify/", {"number": "苏JC-2019-00012", "name": "张伟"})
    assert response.status_code == 200
    assert "苏JC-2019-00012" in response.content.decode()
    assert "rate limit skipped, cache unavailable" in caplog.text


def _hung_endpoint():
    """A TCP server that accepts connections and never answers: a hung S3 endpoint."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held = []

    def accept():
        while True:
            try:
                held.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    return server


def test_storage_calls_give_up_after_the_configured_timeouts():
    """The real settings: S3_READ_TIMEOUT bounds a call to a hung bucket (two tries), far below the
    app server's 60 s worker timeout."""
    server = _hung_endpoint()
    port = server.getsockname()[1]
    env = {
        **os.environ,
        "S3_BUCKET": "jiance",
        "S3_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "S3_ACCESS_KEY_ID": "x",
        "S3_SECRET_ACCESS_KEY": "x",
        "S3_REGION": "us-east-1",
        "S3_READ_TIMEOUT": "1",
        "DJANGO_SETTINGS_MODULE": "jiance.settings",
    }
    env.pop("DATABASE_URL", None)
    code = (
        "import django, time; django.setup()\n"
        "from django.core.files.storage import default_storage\n"
        "from django.core.files.base import ContentFile\n"
        "from web.faults import unavailable\n"
        "t = time.monotonic()\n"
        "try:\n"
        "    default_storage.save('attachments/x.jpg', ContentFile(b'x'))\n"
        "except Exception as e:\n"
        "    print(type(e).__name__, unavailable(e), round(time.monotonic() - t, 1))\n"
    )
    try:
        result = subprocess.run(
            [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=30
        )
    finally:
        server.close()
    name, mapped, seconds = result.stdout.split()
    assert name == "ReadTimeoutError", result.stderr[-2000:]
    assert mapped == "True"
    assert 1 <= float(seconds) < 5


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("health_checks", "expect"), [(True, 200), (False, 503)])
def test_a_persistent_connection_the_server_dropped_costs_no_request(demo, health_checks, expect):
    """As after a PostgreSQL restart: the app's kept connection is gone. With health checks (the setting)
    the next request reconnects and succeeds; without them it gets the 503 page (never a 500)."""
    client = client_for("nj-jc")

    def serve(path):
        # What Django's WSGI handler does when a request starts (the test client leaves it out): drop a
        # connection that is too old or broken, and (with CONN_HEALTH_CHECKS) check it before reuse.
        close_old_connections()
        return client.get(path)

    saved = dict(connection.settings_dict)
    connection.settings_dict.update(CONN_MAX_AGE=60, CONN_HEALTH_CHECKS=health_checks)
    connection.close()  # the next connection is made with these settings
    try:
        assert serve("/").status_code == 200
        pid = connection.connection.info.backend_pid
        with connections_other() as other:
            other.execute("SELECT pg_terminate_backend(%s)", [pid])
        time.sleep(0.2)
        response = serve("/")
        assert response.status_code == expect
        if expect == 503:
            assert BUSY in response.content.decode()
        assert serve("/").status_code == 200  # either way the next one is served
    finally:
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)
        connection.close()
