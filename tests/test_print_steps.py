"""证书打印 in three steps for the province: ① choose (by city, by kind, or all waiting), ② print (the PDF,
and 已打印 only once the province confirms the paper came out), ③ send per city with one 快递单号."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from certificates.models import PrintTask
from jobs.models import Job

from .test_jobs import work
from .workflow import approve_everywhere, file_reissue

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting(login):
    """Three certificates waiting: 张伟's 建材 and 地基 for 南京, 刘洋's 建材 for 苏州."""
    for user, numbers, city in (
        ("nj-dual", ["苏JC-2019-00012", "苏DJ-2019-00012"], "nanjing"),
        ("sz-jc", ["苏JC-2021-00056"], "suzhou"),
    ):
        approve_everywhere(login, file_reissue(login(user), numbers), [city])
    assert PrintTask.objects.filter(state="pending").count() == 3


def numbers(tasks):
    return sorted(t.certificate.number for t in tasks)


def batch_ids(response) -> list[int]:
    return [t.pk for t in response.context["tasks"]]


def test_choose_by_city_and_kind_or_all(login, waiting):
    province = login("province")
    nanjing = PrintTask.objects.filter(destination_city__name="南京市").first().destination_city_id
    by_city = province.post(reverse("print_batch"), {"city": nanjing})
    assert numbers(by_city.context["tasks"]) == ["苏DJ-2019-00012", "苏JC-2019-00012"]
    by_kind = province.post(reverse("print_batch"), {"kind": "JC"})
    assert numbers(by_kind.context["tasks"]) == ["苏JC-2019-00012", "苏JC-2021-00056"]
    everything = province.post(reverse("print_batch"), {})
    assert len(everything.context["tasks"]) == 3
    page = province.get(reverse("print_queue"), {"kind": "DJ"}).content.decode()
    assert "打印全部待打印（1 份）" in page


def test_print_then_confirm_then_send_per_city(login, waiting):
    province = login("province")
    # ② the batch page: a PDF of the batch, and nothing is marked until the province confirms.
    step2 = province.post(reverse("print_batch"), {})
    ids = batch_ids(step2)
    body = step2.content.decode()
    assert "下载PDF（3 份）" in body and "纸张已打出，确认已打印" in body
    pdf = province.post(reverse("print_pdf"), {"ids": ids})
    assert len(PdfReader(io.BytesIO(b"".join(pdf.streaming_content))).pages) == 3
    assert set(PrintTask.objects.values_list("state", flat=True)) == {"pending"}
    confirmed = province.post(reverse("print_mark_printed"), {"ids": ids})
    assert confirmed["Location"].endswith("?state=printed")
    assert set(PrintTask.objects.values_list("state", flat=True)) == {"printed"}
    # ③ one parcel per city, one 快递单号 each.
    page = province.get(confirmed["Location"])
    parcels = {p["destination_city__name"]: p["n"] for p in page.context["parcels"]}
    assert parcels == {"南京市": 2, "苏州市": 1}
    nanjing = PrintTask.objects.filter(destination_city__name="南京市").first().destination_city_id
    province.post(reverse("print_send"), {"city": nanjing, "tracking_number": "EMS100"})
    sent = PrintTask.objects.filter(state="sent")
    assert numbers(sent) == ["苏DJ-2019-00012", "苏JC-2019-00012"]
    assert set(sent.values_list("tracking_number", flat=True)) == {"EMS100"}
    assert PrintTask.objects.get(state="printed").certificate.number == "苏JC-2021-00056"


def test_a_big_batch_prints_through_the_job_queue(login, waiting, settings):
    settings.PRINT_SYNC_MAX = 2
    province = login("province")
    step2 = province.post(reverse("print_batch"), {})
    job = Job.objects.get(kind="print_pdf")
    assert f'data-job-status="{reverse("job_status", args=[job.pk])}"' in step2.content.decode()
    work()
    download = province.get(reverse("job_download", args=[job.pk]))
    assert len(PdfReader(io.BytesIO(b"".join(download.streaming_content))).pages) == 3
    assert set(PrintTask.objects.values_list("state", flat=True)) == {"pending"}


def test_the_batch_is_the_provinces_alone(login, waiting):
    for name in ("nanjing", "nj-dual"):
        assert login(name).post(reverse("print_batch"), {}).status_code == 403
    assert (
        login("nanjing").post(reverse("print_send"), {"city": 1, "tracking_number": "X"}).status_code == 403
    )
    assert not PrintTask.objects.exclude(state="pending").exists()
