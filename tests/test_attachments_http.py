"""Scans through HTTP: the 添加变更 and 接收 forms refuse what is not a scan and store nothing; pages are
ordered; a failed action leaves no file; downloads are scoped and cannot run in the app's origin."""

import io
import os
import struct
import time
import zipfile
import zlib
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from PIL import Image

from certificates.transfer import file_transfer
from institutions.models import Institution, User
from personnel.models import Person
from reviews import actions
from reviews.actions import ApplicationConflict
from reviews.attachments import inspect_files
from reviews.models import Application, Attachment, State

from . import files, workflow
from .files import stored_files

pytestmark = pytest.mark.django_db

RECEIVER = "苏州建科建材检测有限公司"


def upload(name: str, content: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def file_new(client, termination, person="王强"):
    """POST the 添加变更 form (nj-jc's 王强 → 苏州建科建材)."""
    return client.post(
        reverse("transfer_new"),
        {
            "person": Person.objects.get(name=person).pk,
            "receiving_institution": Institution.objects.get(name=RECEIVER).pk,
            "termination": termination,
        },
    )


def accept_with(client, application, labour_contract=None, social_security=None, certificate_scan=None):
    """POST the 接收 form; any scan left out gets a valid default."""
    return client.post(
        reverse("application_accept", args=[application.pk]),
        {
            "labour_contract": labour_contract or [files.jpeg("1.jpg")],
            "social_security": social_security or [files.pdf("社保.pdf")],
            "certificate_scan": certificate_scan or [files.png("上岗证.png")],
        },
    )


# --- files that are not scans ----------------------------------------------------------------------


def truncated_jpeg(name="1.jpg"):
    data = files.jpeg_bytes(size=(400, 300))
    return upload(name, data[: len(data) // 2])


def a_zip(name="合同.zip"):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("1.jpg", files.jpeg_bytes())
    return upload(name, buffer.getvalue(), "application/zip")


def oversized(name="1.jpg"):
    """1.5 MB that starts like a JPEG, against a 1 MB limit."""
    return upload(name, files.jpeg_bytes() + os.urandom(1536 * 1024))


def bomb(name="1.png", side=20000):
    """A valid all-black PNG of side × side pixels that compresses to a few kilobytes."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    row = b"\0" * (1 + (side + 7) // 8)
    compressor = zlib.compressobj(9)
    pixels = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    return upload(name, png, "image/png")


REFUSED = [
    ("html-named-jpg", lambda name: files.html_as_jpg(name), "只接受 JPEG、PNG 或 PDF 文件"),
    ("truncated-jpeg", truncated_jpeg, "图片已损坏或不完整"),
    ("zip", lambda name: a_zip(name.replace(".jpg", ".zip")), "只接受 JPEG、PNG 或 PDF 文件"),
    ("oversized", oversized, "超过 1 MB 的大小上限"),
    ("decompression-bomb", lambda name: bomb(name.replace(".jpg", ".png")), "疑似解压炸弹"),
]


@pytest.fixture
def one_mb_limit(settings):
    settings.ATTACHMENT_MAX_FILE_MB = 1


@pytest.mark.parametrize(("make", "message"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_it_refuses_a_bad_termination_scan_and_stores_nothing(login, one_mb_limit, make, message):
    response = file_new(login("nj-jc"), make("解除劳动关系证明.jpg"))
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html and "解除劳动关系证明" in html
    assert Application.objects.count() == 0
    assert Attachment.objects.count() == 0
    assert stored_files() == set()


@pytest.mark.parametrize(("make", "message"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_it_refuses_a_bad_contract_page_on_receipt_and_stores_nothing(login, one_mb_limit, make, message):
    application = workflow.file_transfer(login("nj-jc"), "王强", RECEIVER)
    before = (stored_files(), list(Attachment.objects.values_list("pk", flat=True)))
    assert len(before[0]) == 1
    response = accept_with(login("sz-jc"), application, labour_contract=[files.jpeg("1.jpg"), make("2.jpg")])
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html and "劳动合同" in html
    assert (stored_files(), list(Attachment.objects.values_list("pk", flat=True))) == before
    application.refresh_from_db()
    assert application.state == State.PENDING_RECEIPT


def test_it_refuses_more_files_than_a_request_may_have(login, settings):
    settings.ATTACHMENT_MAX_FILES_PER_REQUEST = 5
    application = workflow.file_transfer(login("nj-jc"), "王强", RECEIVER)
    before = stored_files()
    receiver = login("sz-jc")
    pages = [files.jpeg(f"{n}.jpg") for n in range(1, 5)]  # 4 pages + 社保 + 上岗证 = 6 files
    response = accept_with(receiver, application, labour_contract=pages)
    assert response.status_code == 400
    assert "附件过多：每次最多上传 5 个文件" in response.content.decode()
    assert stored_files() == before and Attachment.objects.count() == 1
    # exactly at the limit is fine
    response = accept_with(
        receiver, application, labour_contract=[files.jpeg(f"{n}.jpg") for n in range(1, 4)]
    )
    assert response.status_code == 302
    assert Attachment.objects.count() == 1 + 5


def noise_png(name: str, side: int = 400) -> SimpleUploadedFile:
    """An incompressible colour PNG of about side × side × 3 bytes."""
    buffer = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(buffer, "PNG")
    return upload(name, buffer.getvalue(), "image/png")


def test_it_refuses_a_request_whose_files_together_are_too_large(login, settings):
    """Refused from its Content-Length, before the body is read (web/limits.py)."""
    settings.ATTACHMENT_MAX_REQUEST_MB = 1
    application = workflow.file_transfer(login("nj-jc"), "王强", RECEIVER)
    pages = [noise_png(f"{n}.png") for n in (1, 2, 3)]  # ~0.46 MB each: each fine, together too much
    assert all(p.size < 1024 * 1024 for p in pages) and sum(p.size for p in pages) > 1024 * 1024
    response = accept_with(login("sz-jc"), application, labour_contract=pages)
    assert response.status_code == 413
    assert "一次提交的附件总大小不能超过 1 MB" in response.content.decode()
    assert Attachment.objects.count() == 1 and len(stored_files()) == 1


def test_it_explains_in_chinese_when_a_request_brings_more_files_than_the_default_limit(login):
    limit = django_settings.ATTACHMENT_MAX_FILES_PER_REQUEST
    application = workflow.file_transfer(login("nj-jc"), "王强", RECEIVER)
    pages = [files.jpeg(f"{n}.jpg", size=(8, 8)) for n in range(1, limit + 2)]
    response = accept_with(login("sz-jc"), application, labour_contract=pages)
    assert response.status_code == 400
    assert f"附件过多：每次最多上传 {limit} 个文件" in response.content.decode()


# --- accepted scans ---------------------------------------------------------------------------------


def test_it_accepts_a_greyscale_scan_with_a_warning(login):
    client = login("nj-jc")
    grey = files.png("解除劳动关系证明.png", mode="L")
    response = client.post(
        reverse("transfer_new"),
        {
            "person": Person.objects.get(name="王强").pk,
            "receiving_institution": Institution.objects.get(name=RECEIVER).pk,
            "termination": grey,
        },
        follow=True,
    )
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse(
        "application_detail", args=[Application.objects.get().pk]
    )
    html = response.content.decode()
    assert "「解除劳动关系证明.png」是灰度图像，指南要求彩色扫描件，请核对。" in html
    assert "已提交，等待调入机构接收。" in html
    assert "（灰度图像，应为彩色扫描件）" in html  # the reviewer sees it beside the scan
    attachment = Attachment.objects.get()
    assert attachment.greyscale and attachment.content_type == "image/png"


def test_it_does_not_warn_about_a_colour_scan(login):
    response = file_new(login("nj-jc"), files.jpeg("解除劳动关系证明.jpg"))
    assert response.status_code == 302
    assert not Attachment.objects.get().greyscale
    html = login("nj-jc").get(response["Location"]).content.decode()
    assert "灰度图像" not in html


def test_it_keeps_contract_pages_in_page_order(login):
    application = workflow.file_transfer(login("nj-jc"), "王强", RECEIVER)
    pages = [files.jpeg(f"{n}.jpg", size=(16, 12)) for n in (2, 10, 1, 9, 3, 8, 4, 7, 5, 6)]
    assert accept_with(login("sz-jc"), application, labour_contract=pages).status_code == 302
    contract = Attachment.objects.filter(application=application, type="labour_contract")
    assert list(contract.values_list("page", "original_name")) == [(n, f"{n}.jpg") for n in range(1, 11)]
    html = login("nanjing").get(reverse("application_detail", args=[application.pk])).content.decode()
    shown = [html.index(f"第{n}页 · {n}.jpg") for n in (1, 2, 10)]
    assert shown == sorted(shown)
    assert "劳动合同（10）" in html


# --- a failure after the files were written leaves nothing -----------------------------------------


def fail_at(monkeypatch, step: str):
    """Make the transition ``step`` crash, after the action has stored its files."""
    real = actions.run

    def crashing(obj, name, *args, **kwargs):
        if name == step:
            assert stored_files(), "the files should have been written before the transition"
            raise RuntimeError("crash after storing")
        return real(obj, name, *args, **kwargs)

    monkeypatch.setattr(actions, "run", crashing)


def test_it_removes_the_stored_file_when_filing_fails(login, monkeypatch):
    fail_at(monkeypatch, "submit")
    with pytest.raises(RuntimeError):
        file_new(login("nj-jc"), files.jpeg("解除劳动关系证明.jpg"))
    assert Application.objects.count() == 0
    assert Attachment.objects.count() == 0
    assert stored_files() == set()


def test_it_removes_the_stored_files_when_receipt_fails(login, monkeypatch):
    application = workflow.file_transfer(login("nj-jc"), "王强", RECEIVER)
    before = stored_files()
    fail_at(monkeypatch, "accept")
    with pytest.raises(RuntimeError):
        accept_with(login("sz-jc"), application, labour_contract=[files.jpeg("1.jpg"), files.jpeg("2.jpg")])
    assert stored_files() == before
    assert list(Attachment.objects.values_list("type", flat=True)) == ["termination"]
    application.refresh_from_db()
    assert application.state == State.PENDING_RECEIPT


def test_it_stores_nothing_for_a_second_open_request_for_the_same_person(login):
    """The database refuses a second open request for 王强 (filed by the action directly)."""
    first = workflow.file_transfer(login("nj-jc"), "王强", RECEIVER)
    before = stored_files()
    scans = {"termination": inspect_files([files.jpeg("再次.jpg")], label="解除劳动关系证明")}
    with pytest.raises(ApplicationConflict):
        file_transfer(
            User.objects.get(username="nj-jc"),
            Person.objects.get(name="王强"),
            Institution.objects.get(name="无锡市建设工程质量检测中心"),
            scans,
        )
    assert list(Application.objects.values_list("pk", flat=True)) == [first.pk]
    assert Attachment.objects.count() == 1
    assert stored_files() == before


# --- downloads -------------------------------------------------------------------------------------


@pytest.fixture
def png_claimed_as_jpeg(login):
    """nj-jc files 王强 with a PNG that the browser called 解除劳动关系证明.jpg / image/jpeg."""
    content = files.png_bytes()
    response = file_new(login("nj-jc"), upload("解除劳动关系证明.jpg", content, "image/jpeg"))
    assert response.status_code == 302
    return Attachment.objects.get(), content


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def assert_safe_headers(response):
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert "sandbox" in response["Content-Security-Policy"]


@pytest.mark.parametrize("username", ["nj-jc", "sz-jc", "nanjing", "suzhou", "province"])
def test_it_serves_a_scan_to_those_who_see_its_request(login, png_claimed_as_jpeg, username):
    attachment, content = png_claimed_as_jpeg
    url = reverse("attachment_download", args=[attachment.pk])
    response = login(username).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"  # judged from the content, not the browser's claim
    assert_safe_headers(response)
    disposition = response["Content-Disposition"]
    assert disposition.startswith("inline") and quote("解除劳动关系证明.jpg") in disposition
    assert body(response) == content
    forced = login(username).get(url, {"download": "1"})
    assert forced["Content-Disposition"].startswith("attachment")
    assert quote("解除劳动关系证明.jpg") in forced["Content-Disposition"]
    assert_safe_headers(forced)


@pytest.mark.parametrize("username", ["nj-dual", "sz-dj", "wx-dual", "wuxi", "changzhou"])
def test_it_hides_a_scan_from_those_outside_its_request(login, png_claimed_as_jpeg, username):
    attachment, _ = png_claimed_as_jpeg
    for params in ({}, {"download": "1"}):
        response = login(username).get(reverse("attachment_download", args=[attachment.pk]), params)
        assert response.status_code == 404


def test_it_sends_anonymous_downloads_to_the_login_page(client, png_claimed_as_jpeg):
    attachment, _ = png_claimed_as_jpeg
    url = reverse("attachment_download", args=[attachment.pk])
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(f"{reverse('login')}?next=")


def test_it_serves_a_png_with_an_html_payload_as_an_inert_png(login):
    payload = files.png_bytes() + b"<html><body><script>alert(document.cookie)</script></body></html>"
    response = file_new(login("nj-jc"), upload("解除劳动关系证明.html", payload, "text/html"))
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.content_type == "image/png"
    download = login("sz-jc").get(reverse("attachment_download", args=[attachment.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png"
    assert_safe_headers(download)
    assert body(download) == payload


def test_it_stores_scans_under_server_made_names(login):
    file_new(login("nj-jc"), files.jpeg("../../解除劳动关系证明.jpg"))
    (name,) = stored_files()
    assert name.startswith("attachments/") and "解除" not in name and ".." not in name


# --- resubmission keeps the earlier round's scans ----------------------------------------------------


def page_of(client, application) -> str:
    response = client.get(reverse("application_detail", args=[application.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_it_keeps_a_replaced_scan_visible_and_downloadable_after_resubmission(login):
    application = workflow.file_transfer(login("nj-jc"), "王强", RECEIVER)
    workflow.accept(login("sz-jc"), application)
    workflow.decide(login("nanjing"), application, "return", "解除劳动关系证明未盖章。")
    old = Attachment.objects.get(type="termination")
    old_content = default_storage.open(old.file.name).read()

    response = login("nj-jc").post(
        reverse("application_resubmit", args=[application.pk]), {"termination": files.png("盖章版.png")}
    )
    assert response.status_code == 302
    old.refresh_from_db()
    new = Attachment.objects.current().get(type="termination")
    assert (old.superseded_in_round, new.superseded_in_round) == (2, None)
    assert default_storage.exists(old.file.name)
    # The receiver accepted and its part was not returned: it is not asked again, its scans stay current.

    for username in ("nanjing", "suzhou", "province", "nj-jc", "sz-jc"):
        client = login(username)
        html = page_of(client, application)
        assert "{#" not in html and "{% comment" not in html, "template comments stay out of the page"
        viewer, side = html.split('class="side-panel"')
        current, replaced = viewer.split('id="superseded-2"')
        assert "盖章版.png" in current and "盖章版.png" not in replaced, username
        assert "解除劳动关系证明.jpg" in replaced and "解除劳动关系证明.jpg" not in current, username
        assert "已替换（第2轮）" in replaced
        old_url = reverse("attachment_download", args=[old.pk])
        assert f'替换附件：<a href="{old_url}"' in side, "the timeline's 重新提交 line links the old scan"
        assert current.count('<figure class="thumb">') == 6
        assert replaced.count('<figure class="thumb replaced">') == 1
        download = client.get(reverse("attachment_download", args=[old.pk]), {"download": "1"})
        assert download.status_code == 200, username
        assert body(download) == old_content
    for username in ("wuxi", "sz-dj"):
        assert login(username).get(reverse("attachment_download", args=[old.pk])).status_code == 404

    assert not Attachment.objects.filter(type="labour_contract", superseded_in_round=2).exists()
    assert Attachment.objects.current().filter(type="labour_contract").count() == 3


def test_it_never_sweeps_a_replaced_scan(login):
    application = workflow.file_transfer(login("nj-jc"), "王强", RECEIVER)
    workflow.accept(login("sz-jc"), application)
    workflow.decide(login("suzhou"), application, "return", "请重新扫描。")
    login("nj-jc").post(reverse("application_resubmit", args=[application.pk]), {"termination": files.jpeg()})
    replaced = Attachment.objects.get(superseded_in_round=2)
    for name in stored_files():
        age(name, 48)
    assert "清理孤立文件 0 个" in sweep()
    assert default_storage.exists(replaced.file.name)


# --- sweep_attachments -----------------------------------------------------------------------------


def age(name: str, hours: float):
    path = Path(default_storage.path(name))
    then = time.time() - hours * 3600
    os.utime(path, (then, then))


def sweep(*args) -> str:
    out = io.StringIO()
    call_command("sweep_attachments", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def orphans(login):
    """A referenced scan and two orphans, all under attachments/: one 30 hours old, one 2 hours old."""
    workflow.file_transfer(login("nj-jc"), "王强", RECEIVER)
    kept = Attachment.objects.get().file.name
    old = default_storage.save("attachments/2020/01/old-orphan.jpg", io.BytesIO(files.jpeg_bytes()))
    recent = default_storage.save("attachments/2026/01/recent-orphan.jpg", io.BytesIO(files.jpeg_bytes()))
    outside = default_storage.save("elsewhere/not-a-scan.txt", io.BytesIO(b"x"))
    for name, hours in ((kept, 48), (old, 30), (recent, 2), (outside, 48)):
        age(name, hours)
    return {"kept": kept, "old": old, "recent": recent, "outside": outside}


def test_it_lists_orphans_without_deleting_them_on_a_dry_run(orphans):
    out = sweep("--dry-run")
    assert orphans["old"] in out
    assert orphans["kept"] not in out and orphans["recent"] not in out
    assert all(default_storage.exists(n) for n in orphans.values())


def test_it_deletes_only_old_unreferenced_files(orphans):
    out = sweep()
    assert orphans["old"] in out
    assert not default_storage.exists(orphans["old"])
    for name in ("kept", "recent", "outside"):
        assert default_storage.exists(orphans[name]), name
        assert orphans[name] not in out
    assert Attachment.objects.get().file.name == orphans["kept"]


def test_it_honours_the_age_given_in_hours(orphans):
    out = sweep("--hours", "1")
    assert orphans["old"] in out and orphans["recent"] in out
    assert not default_storage.exists(orphans["recent"])
    assert default_storage.exists(orphans["kept"])
    assert sweep().count("attachments/") == 0  # nothing left to remove
