"""Long work in the job queue: a big export is enqueued, the worker (``manage.py db_worker``) runs it,
the page follows its progress, and only its owner can download the file, until it expires."""

import io
from datetime import timedelta
from unittest import mock

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from audit.models import AuditEvent, Kind
from jobs import runner
from jobs.models import Job

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_sync(settings):
    settings.EXPORT_SYNC_MAX_ROWS = 2  # the demo data's 7 建材 holders make a "big" export


def work():
    """Run every queued job with the real worker command, in this process, then return. The worker drops
    database connections it finds inside a transaction: here that is the test's own, so it is kept."""
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def rows_of(response):
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    return [
        list(r) for r in load_workbook(io.BytesIO(body), read_only=True).active.iter_rows(values_only=True)
    ]


def export_people(client, **query):
    return client.get(reverse("person_list", args=["jc"]), {"format": "xlsx", **query})


def test_a_small_export_stays_synchronous(login):
    assert len(rows_of(export_people(login("province")))) == 8
    assert not Job.objects.exists()


def test_a_big_export_runs_in_the_worker_with_progress_and_a_file_for_its_owner(login, small_sync):
    province = login("province")
    response = export_people(province)
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("job_detail", args=[job.pk])
    assert job.state == Job.State.QUEUED and job.owner.username == "province"

    page = province.get(response["Location"])
    assert page.status_code == 200
    assert f'data-job-status="{reverse("job_status", args=[job.pk])}"' in page.content.decode()
    status = province.get(reverse("job_status", args=[job.pk])).json()
    assert (status["state"], status["percent"], status["download"]) == ("queued", 0, "")
    assert province.get(reverse("job_download", args=[job.pk])).status_code == 404

    work()

    job.refresh_from_db()
    assert job.state == Job.State.DONE and job.total == 7 and job.done == 7
    assert default_storage.exists(job.file.name) and job.file.name.startswith("jobs/")
    assert job.expires_at > timezone.now() + timedelta(hours=23)
    status = province.get(reverse("job_status", args=[job.pk])).json()
    assert (status["state"], status["percent"]) == ("done", 100)
    assert status["download"] == reverse("job_download", args=[job.pk])
    rows = rows_of(province.get(status["download"]))
    assert rows[0][:2] == ["姓名", "身份证号"] and len(rows) == 8
    exports = AuditEvent.objects.filter(kind=Kind.EXPORT, path=status["download"], username="province")
    assert exports.count() == 1


def test_nobody_but_the_owner_sees_the_job(login, small_sync):
    export_people(login("province"))
    work()
    job = Job.objects.get()
    for name in ("nanjing", "nj-dual"):
        other = login(name)
        for url in ("job_detail", "job_status", "job_download"):
            assert other.get(reverse(url, args=[job.pk])).status_code == 404, (name, url)
    assert not AuditEvent.objects.filter(
        kind=Kind.EXPORT, path=reverse("job_download", args=[job.pk])
    ).exists()
    assert Client().get(reverse("job_download", args=[job.pk])).status_code == 302  # to the login page


def test_the_job_exports_the_page_filters_and_scope(login, small_sync):
    nj = login("nj-dual")
    export_people(nj)  # 南京市建设工程质量检测中心: 张伟, 李娜, 孙丽 hold 建材 certificates
    work()
    job = Job.objects.get()
    rows = rows_of(nj.get(reverse("job_download", args=[job.pk])))
    assert sorted(r[0] for r in rows[1:]) == sorted(["张伟", "李娜", "孙丽"])


def test_the_filter_is_kept_with_the_job(login, settings):
    settings.EXPORT_SYNC_MAX_ROWS = 0
    province = login("province")
    export_people(province, q="张")
    work()
    rows = rows_of(province.get(reverse("job_download", args=[Job.objects.get().pk])))
    assert [r[0] for r in rows[1:]] == ["张伟"]


def test_a_failed_job_says_so(login, small_sync, monkeypatch):
    def broken(job, progress):
        raise RuntimeError("disk full")

    monkeypatch.setitem(runner.RUNNERS, "xlsx", broken)
    province = login("province")
    export_people(province)
    work()
    job = Job.objects.get()
    status = province.get(reverse("job_status", args=[job.pk])).json()
    assert status["state"] == "failed" and "生成失败" in status["error"] and status["download"] == ""
    assert not job.file


def test_expired_files_are_refused_and_swept(login, small_sync):
    province = login("province")
    export_people(province)
    work()
    job = Job.objects.get()
    name = job.file.name
    Job.objects.filter(pk=job.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert province.get(reverse("job_download", args=[job.pk])).status_code == 404
    call_command("sweep_jobs", verbosity=0)
    assert not Job.objects.exists()
    assert not default_storage.exists(name)


def test_enqueue_is_transactional(login, small_sync):
    """The job's row and its queued task are written together: no task without a job, nor the reverse."""
    from django_tasks_db.models import DBTaskResult

    export_people(login("province"))
    job = Job.objects.get()
    task = DBTaskResult.objects.get()
    assert str(task.id) == job.task_id and task.args_kwargs["args"] == [job.pk]


def test_a_big_batch_pdf_is_made_by_the_worker(login, settings):
    from pypdf import PdfReader

    from certificates.models import PrintTask

    from .workflow import accept, approve_everywhere, file_transfer

    settings.PRINT_SYNC_MAX = 1
    application = file_transfer(login("nj-dual"), "张伟", "无锡市建设工程质量检测中心")
    accept(login("wx-dual"), application)
    approve_everywhere(login, application, ["nanjing", "wuxi"])
    ids = list(PrintTask.objects.filter(application=application).values_list("pk", flat=True))
    province = login("province")
    response = province.post(reverse("print_pdf"), {"ids": ids})
    job = Job.objects.get(kind="print_pdf")
    assert response["Location"] == reverse("job_detail", args=[job.pk]) and job.total == 2
    work()
    download = province.get(reverse("job_download", args=[job.pk]))
    assert download["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(b"".join(download.streaming_content)))
    assert len(reader.pages) == 2 and "苏JC-2019-00012" in "".join(p.extract_text() for p in reader.pages)
    assert AuditEvent.objects.filter(kind=Kind.PRINT, object_id=str(job.pk)).count() == 1
    assert not PrintTask.objects.filter(pk__in=ids).exclude(state="pending").exists(), (
        "printing marks nothing"
    )
