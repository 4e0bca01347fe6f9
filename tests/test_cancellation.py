"""人员注销 end to end: 初审, 复核, 注销, announcement, and recovery of the paper certificate."""

import pytest
from django.urls import reverse

from certificates.models import Announcement, CertificateStatus, Recovery
from reviews.models import State

from .workflow import approve_everywhere, certificate, decide, file_cancellation, file_transfer

pytestmark = pytest.mark.django_db


def test_it_cancels_a_certificate_and_recovers_the_paper_one(login):
    application = file_cancellation(login("sz-dj"), ["苏DJ-2022-00078"], agrees="yes")
    assert application.state == State.PENDING_CITY
    assert application.detail().holder_agrees is True
    approve_everywhere(login, application, ["suzhou"])
    c = certificate("苏DJ-2022-00078")
    assert c.status == CertificateStatus.CANCELLED
    assert Announcement.objects.get(application=application).type == "cancellation"
    assert "注销" in login("province").get(reverse("announcement_list")).content.decode()

    recovery = Recovery.objects.get(application=application)
    assert recovery.state == Recovery.State.PENDING
    page = login("sz-dj").get(reverse("application_detail", args=[application.pk])).content.decode()
    assert "登记寄回" in page
    response = login("sz-dj").post(
        reverse("recovery_mail", args=[recovery.pk]), {"tracking_number": "SF1234567890"}
    )
    assert response.status_code == 302
    recovery.refresh_from_db()
    assert (recovery.state, recovery.tracking_number) == (Recovery.State.MAILED, "SF1234567890")
    assert "SF1234567890" in login("province").get(reverse("recovery_list")).content.decode()
    assert login("province").post(reverse("recovery_recover", args=[recovery.pk])).status_code == 302
    recovery.refresh_from_db()
    assert recovery.state == Recovery.State.RECOVERED


def test_it_lets_only_the_cancelling_institution_mail_and_only_the_province_recover(login):
    application = file_cancellation(login("sz-dj"), ["苏DJ-2022-00078"])
    approve_everywhere(login, application, ["suzhou"])
    recovery = Recovery.objects.get(application=application)
    assert login("suzhou").post(reverse("recovery_mail", args=[recovery.pk])).status_code == 403
    assert login("nj-dual").post(reverse("recovery_mail", args=[recovery.pk])).status_code == 404
    assert login("sz-dj").post(reverse("recovery_recover", args=[recovery.pk])).status_code == 403
    recovery.refresh_from_db()
    assert recovery.state == Recovery.State.PENDING


def test_it_records_whether_the_holder_agrees(login):
    application = file_cancellation(login("nj-jc"), ["苏JC-2018-00231"], agrees="no")
    assert application.detail().holder_agrees is False
    assert (
        "本人是否同意注销"
        in login("nanjing").get(reverse("application_detail", args=[application.pk])).content.decode()
    )


def test_it_never_moves_or_revives_a_cancelled_certificate(login):
    """李娜's 地基 certificate is cancelled; a later transfer moves only her 建材 one."""
    application = file_cancellation(login("nj-dual"), ["苏DJ-2020-00107"])
    approve_everywhere(login, application, ["nanjing"])
    transfer = file_transfer(login("nj-dual"), "李娜", "无锡市建设工程质量检测中心")
    assert (transfer.module_jc, transfer.module_dj) == (True, False)
    from .workflow import accept

    accept(login("wx-dual"), transfer)
    approve_everywhere(login, transfer, ["nanjing", "wuxi"])
    dj, jc = certificate("苏DJ-2020-00107"), certificate("苏JC-2020-00107")
    assert (dj.status, dj.institution.name) == (CertificateStatus.CANCELLED, "南京市建设工程质量检测中心")
    assert (jc.status, jc.institution.name) == (
        CertificateStatus.NO_CREDIT_FILE,
        "无锡市建设工程质量检测中心",
    )


def test_it_refuses_a_cancelled_certificate_in_a_new_request(login):
    application = file_cancellation(login("sz-dj"), ["苏DJ-2022-00078"])
    approve_everywhere(login, application, ["suzhou"])
    response = file_cancellation(login("sz-dj"), ["苏DJ-2022-00078"], expect=400)
    assert "不在可用的选项中" in response.content.decode()
    assert Recovery.objects.count() == 1


def test_it_returns_a_cancellation_at_the_initial_review(login):
    application = file_cancellation(login("sz-jc"), ["苏JC-2021-00056"])
    decide(login("suzhou"), application, "return", "本人意见未签字")
    application.refresh_from_db()
    assert application.state == State.RETURNED
    assert certificate("苏JC-2021-00056").status == CertificateStatus.NORMAL
    assert not Recovery.objects.exists()
