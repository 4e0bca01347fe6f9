"""Scans in an S3 bucket: the same HTTP paths as on disk, against moto's S3 server on 127.0.0.1.

The storage settings are the ``S3_BUCKET`` block of jiance/settings.py itself, evaluated with test
values, so a change there is what these tests exercise. Every check looks in the bucket with boto3
rather than through Django's storage, so a file that never left the process would not pass.
"""

import hashlib
import io
import os
import re
import runpy
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

import boto3
import pytest
from botocore.config import Config
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from storages.backends.s3 import S3Storage

from reviews import actions
from reviews.models import Application, Attachment

from . import files, workflow

pytestmark = pytest.mark.django_db

BUCKET = "jiance-test"
REGION = "us-east-1"
ACCESS_KEY = "testing"
SECRET_KEY = "testing"
RECEIVER = "苏州建科建材检测有限公司"
KEY = re.compile(r"attachments/(\d{4})/(\d{2})/[0-9a-f]{32}\.jpg")
START_TIMEOUT = 15


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(endpoint: str) -> bool:
    no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        no_proxy.open(endpoint + "/", timeout=0.5).close()
    except urllib.error.HTTPError:
        return True  # any HTTP answer means the server is up
    except OSError:
        return False
    return True


@pytest.fixture(scope="module")
def s3_server(tmp_path_factory):
    """moto's S3 server on a free 127.0.0.1 port with one empty bucket; yields endpoint, bucket, client."""
    binary = Path(sys.executable).parent / "moto_server"
    assert binary.exists(), f"{binary} missing: pip install 'moto[server]>=5' (or run bin/setup)"
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    log_path = tmp_path_factory.mktemp("moto") / "moto_server.log"
    env = {**os.environ, "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [str(binary), "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=subprocess.STDOUT, env=env
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not answers(endpoint):
            if process.poll() is not None or time.monotonic() > deadline:
                why = f"exited with {process.returncode}" if process.poll() is not None else "no answer"
                pytest.fail(
                    f"moto_server on {endpoint}: {why} after {START_TIMEOUT} s\n{log_path.read_text()[-3000:]}"
                )
            time.sleep(0.1)
        client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name=REGION,
            config=Config(proxies={}),
        )
        client.create_bucket(Bucket=BUCKET)
        yield SimpleNamespace(endpoint=endpoint, bucket=BUCKET, client=client)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def s3_storage_setting(endpoint: str) -> dict:
    """STORAGES["default"] exactly as jiance/settings.py builds it when S3_BUCKET is set."""
    env = {
        "S3_BUCKET": BUCKET,
        "S3_ENDPOINT_URL": endpoint,
        "S3_ACCESS_KEY_ID": ACCESS_KEY,
        "S3_SECRET_ACCESS_KEY": SECRET_KEY,
        "S3_REGION": REGION,
    }
    with mock.patch.dict(os.environ, env):
        namespace = runpy.run_path(str(Path(django_settings.BASE_DIR) / "jiance" / "settings.py"))
    storage = namespace["STORAGES"]["default"]
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    options = dict(storage["OPTIONS"])
    timeouts = options.pop("client_config")  # connect/read timeouts: tests/test_faults.py
    assert (timeouts.connect_timeout, timeouts.read_timeout) == (3, 10)
    assert options == {
        "bucket_name": BUCKET,
        "endpoint_url": endpoint,
        "access_key": ACCESS_KEY,
        "secret_key": SECRET_KEY,
        "region_name": REGION,
        "file_overwrite": False,
        "default_acl": None,
        "querystring_auth": True,
        "signature_version": "s3v4",
    }
    return storage


@pytest.fixture
def s3(settings, _media, s3_server):
    """Uploads go to the bucket for this test (after conftest's ``_media`` put them on disk)."""

    def stored(prefix="") -> set[str]:
        pages = s3_server.client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix)
        return {o["Key"] for page in pages for o in page.get("Contents", [])}

    def read(key) -> bytes:
        return s3_server.client.get_object(Bucket=BUCKET, Key=key)["Body"].read()

    def empty():
        for key in stored():
            s3_server.client.delete_object(Bucket=BUCKET, Key=key)

    empty()
    settings.STORAGES = {**settings.STORAGES, "default": s3_storage_setting(s3_server.endpoint)}
    assert isinstance(Attachment.file.field.storage, S3Storage)  # the lazy default_storage was reset
    yield SimpleNamespace(stored=stored, read=read, client=s3_server.client)
    empty()


def the_attachment_of(application: Application) -> Attachment:
    (attachment,) = Attachment.objects.filter(application=application)
    return attachment


# --- storing ---------------------------------------------------------------------------------------


def test_it_stores_the_termination_scan_in_the_bucket_under_a_server_made_key(s3, login):
    before = timezone.localtime()  # the key's folder is the local (Asia/Shanghai) month
    application = workflow.file_transfer(login("nj-jc"), "王强", RECEIVER)
    after = timezone.localtime()
    attachment = the_attachment_of(application)

    (key,) = s3.stored()
    assert attachment.file.name == key
    match = KEY.fullmatch(key)
    assert match, key
    assert match.groups() in {(f"{t:%Y}", f"{t:%m}") for t in (before, after)}
    assert "解除" not in key and attachment.original_name == "解除劳动关系证明.jpg"

    content = s3.read(key)
    assert hashlib.sha256(content).hexdigest() == attachment.sha256
    assert len(content) == attachment.size
    assert not list(Path(django_settings.MEDIA_ROOT).rglob("*"))  # nothing went to local disk
    # the bucket is private: Django's URL for it is signed (SigV4) and expires
    url = default_storage.url(key)
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=" in url, url


def test_it_gives_two_uploads_with_the_same_name_different_keys(s3, login):
    first = workflow.file_transfer(login("nj-jc"), "王强", RECEIVER)
    second = workflow.file_transfer(login("wx-dual"), "陈静", RECEIVER)
    a, b = the_attachment_of(first), the_attachment_of(second)
    assert a.original_name == b.original_name == "解除劳动关系证明.jpg"
    assert a.file.name != b.file.name
    assert s3.stored() == {a.file.name, b.file.name}
    for attachment in (a, b):
        assert hashlib.sha256(s3.read(attachment.file.name)).hexdigest() == attachment.sha256


def test_the_storage_does_not_overwrite_an_existing_key(s3):
    """file_overwrite=False: the backstop should a generated key ever repeat."""
    name = "attachments/2020/01/same.jpg"
    first = default_storage.save(name, ContentFile(b"first"))
    second = default_storage.save(name, ContentFile(b"second"))
    assert first == name and second != name and second.startswith("attachments/2020/01/same")
    assert s3.read(first) == b"first" and s3.read(second) == b"second"


# --- a failed filing leaves nothing -----------------------------------------------------------------


def test_it_deletes_the_object_when_filing_fails(s3, login, monkeypatch):
    real = actions.run
    seen = []

    def crashing(obj, name, *args, **kwargs):
        if name == "submit":
            seen.append(s3.stored())
            raise RuntimeError("crash after storing")
        return real(obj, name, *args, **kwargs)

    monkeypatch.setattr(actions, "run", crashing)
    with pytest.raises(RuntimeError, match="crash after storing"):
        workflow.file_transfer(login("nj-jc"), "王强", RECEIVER)
    assert len(seen) == 1 and len(seen[0]) == 1, "the scan should be in the bucket before the transition"
    assert s3.stored() == set()
    assert Application.objects.count() == 0 and Attachment.objects.count() == 0


# --- downloading ------------------------------------------------------------------------------------


def test_it_streams_the_scan_back_from_the_bucket_to_the_filer_only(s3, login):
    application = workflow.file_transfer(login("nj-jc"), "王强", RECEIVER)
    attachment = the_attachment_of(application)
    url = reverse("attachment_download", args=[attachment.pk])

    response = login("nj-jc").get(url)
    assert response.status_code == 200
    assert response.streaming
    assert b"".join(response.streaming_content) == s3.read(attachment.file.name)
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Length"] == str(attachment.size)
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Security-Policy"].startswith("sandbox")

    assert login("wx-dual").get(url).status_code == 404
    assert login("wx-dual").get(url, {"download": "1"}).status_code == 404


# --- sweep_attachments ------------------------------------------------------------------------------


def sweep(*args) -> str:
    out = io.StringIO()
    call_command("sweep_attachments", *args, stdout=out)
    return out.getvalue()


def test_the_sweep_deletes_orphan_objects_and_keeps_referenced_ones(s3, login):
    application = workflow.file_transfer(login("nj-jc"), "王强", RECEIVER)
    kept = the_attachment_of(application).file.name
    orphan = "attachments/2020/01/orphan.jpg"
    outside = "elsewhere/not-a-scan.txt"
    s3.client.put_object(Bucket=BUCKET, Key=orphan, Body=files.jpeg_bytes())
    s3.client.put_object(Bucket=BUCKET, Key=outside, Body=b"x")
    # S3 reports LastModified in whole seconds, never later than the write: every object is older
    # than the cutoff of --hours 0 ("now") and younger than the default cutoff (24 hours ago).
    now = timezone.now()
    for key in s3.stored():
        assert now - timedelta(hours=24) < default_storage.get_modified_time(key) < now, key

    out = sweep()
    assert "0 个" in out and s3.stored() == {kept, orphan, outside}  # too recent for the default

    out = sweep("--hours", "0", "--dry-run")
    assert orphan in out and kept not in out and s3.stored() == {kept, orphan, outside}

    out = sweep("--hours", "0")
    assert orphan in out and "1 个" in out and kept not in out and outside not in out
    assert s3.stored() == {kept, outside}
    assert Attachment.objects.get().file.name == kept


def test_it_stores_the_judged_type_not_the_browsers(s3, login):
    """A PNG with HTML appended, sent as text/html named .html, is stored as a .png of type image/png."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from institutions.models import Institution
    from personnel.models import Person

    payload = files.png_bytes() + b"<html><script>alert(1)</script></html>"
    upload = SimpleUploadedFile("解除劳动关系证明.html", payload, content_type="text/html")
    response = login("nj-jc").post(
        reverse("transfer_new"),
        {
            "person": Person.objects.get(name="王强").pk,
            "receiving_institution": Institution.objects.get(name=RECEIVER).pk,
            "termination": upload,
        },
    )
    assert response.status_code == 302
    (key,) = s3.stored()
    assert key.endswith(".png"), key
    assert s3.client.head_object(Bucket=BUCKET, Key=key)["ContentType"] == "image/png"


# --- checking rows against the bucket after a restore ------------------------------------------------


def test_check_attachments_reads_the_bucket_by_listing_pages_not_object_by_object(s3, login):
    application = workflow.file_transfer(login("nj-jc"), "王强", RECEIVER)
    for i in range(1100):  # more than one listing page (1,000 keys)
        s3.client.put_object(Bucket=BUCKET, Key=f"attachments/2026/01/stray{i:04d}.jpg", Body=b"x")
    requests = []
    client = default_storage.bucket.meta.client
    client.meta.events.register("before-send.s3", lambda request, **kw: requests.append(request.url))
    out = io.StringIO()
    started = time.monotonic()
    with pytest.raises(CommandError, match="存储文件 1101 个"):
        call_command("check_attachments", stdout=out)
    took = time.monotonic() - started
    assert "文件无对应记录：1100 个" in out.getvalue()
    assert "记录存在但文件缺失" not in out.getvalue()
    assert len(requests) == 2, requests  # two listing pages for 1,101 objects
    assert took < 10
    # and with the strays gone, the one real scan agrees with its row
    for i in range(1100):
        s3.client.delete_object(Bucket=BUCKET, Key=f"attachments/2026/01/stray{i:04d}.jpg")
    out = io.StringIO()
    call_command("check_attachments", stdout=out)
    assert "一致。附件记录 1 条，存储文件 1 个" in out.getvalue()
    assert the_attachment_of(application).file.name in s3.stored()
