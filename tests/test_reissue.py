"""人员上岗证补办 (补证) end to end through HTTP as the demo roles."""

import pytest
from django.urls import reverse

from certificates.models import Announcement, CertificateStatus, PrintTask
from reviews.models import State

from .workflow import approve_everywhere, certificate, decide, file_reissue

pytestmark = pytest.mark.django_db


def test_it_reissues_a_certificate_with_a_new_edition(login):
    application = file_reissue(login("nj-jc"), ["苏JC-2018-00231"], reason="证书遗失，已登报声明作废")
    assert application.state == State.PENDING_CITY
    assert list(application.cities.values_list("name", flat=True)) == ["南京市"]
    assert sorted(application.attachments.values_list("type", flat=True)) == [
        "labour_contract", "labour_contract", "newspaper_notice", "social_security",
    ]  # fmt: skip
    listing = login("nj-jc").get(reverse("reissue_list")).content.decode()
    assert "王强" in listing and "待市级审核" in listing

    approve_everywhere(login, application, ["nanjing"])
    assert application.state == State.APPROVED
    c = certificate("苏JC-2018-00231")
    assert (c.edition, c.status, c.institution.name) == (
        2,
        CertificateStatus.NORMAL,
        "南京华宁建材检测有限公司",
    )
    task = PrintTask.objects.get(application=application)
    assert (task.edition, task.destination_city.name, task.state) == (2, "南京市", "pending")
    assert Announcement.objects.get(application=application).type == "reissue"
    listing = login("nj-jc").get(reverse("reissue_list")).content.decode()
    assert "已通过" in listing, "approved and pending requests are listed on the same page"


def test_it_reissues_both_certificates_of_a_dual_holder_in_one_request(login):
    application = file_reissue(login("nj-dual"), ["苏JC-2019-00012", "苏DJ-2019-00012"])
    assert (application.module_jc, application.module_dj) == (True, True)
    approve_everywhere(login, application, ["nanjing"])
    assert certificate("苏JC-2019-00012").edition == certificate("苏DJ-2019-00012").edition == 2
    assert PrintTask.objects.filter(application=application).count() == 2


def test_it_refuses_certificates_of_two_people_in_one_request(login):
    response = file_reissue(login("nj-dual"), ["苏JC-2019-00012", "苏JC-2020-00107"], expect=400)
    assert "一次只能为同一人员的证书提出申请" in response.content.decode()


def test_it_refuses_a_certificate_of_another_institution(login):
    response = file_reissue(login("nj-jc"), ["苏JC-2021-00056"], expect=400)
    assert "不在可用的选项中" in response.content.decode()


def test_it_requires_the_newspaper_notice(login):
    c = certificate("苏JC-2018-00231")
    response = login("nj-jc").post(reverse("reissue_new"), {"certificates": [c.pk], "reason": "遗失"})
    assert response.status_code == 400
    assert "请上传登报声明" in response.content.decode()


def test_it_returns_and_resubmits_a_reissue(login):
    application = file_reissue(login("nj-jc"), ["苏JC-2018-00231"])
    decide(login("nanjing"), application, "return", "登报声明不清晰")
    application.refresh_from_db()
    assert application.state == State.RETURNED
    assert login("nj-jc").post(reverse("application_resubmit", args=[application.pk]), {}).status_code == 302
    application.refresh_from_db()
    assert application.state == State.PENDING_CITY, "a reissue has no receipt step"
    approve_everywhere(login, application, ["nanjing"])
    assert certificate("苏JC-2018-00231").edition == 2


def test_it_keeps_the_reissue_within_scope(login):
    application = file_reissue(login("nj-jc"), ["苏JC-2018-00231"])
    for account in ("suzhou", "sz-jc", "nj-dual"):
        assert login(account).get(reverse("application_detail", args=[application.pk])).status_code == 404
    assert decide(login("suzhou"), application, expect=404)
    assert decide(login("nj-jc"), application, expect=403)
    assert login("nanjing").get(reverse("reissue_new")).status_code == 403
    application.refresh_from_db()
    assert application.state == State.PENDING_CITY


def test_it_queues_the_reissue_under_its_module(login):
    application = file_reissue(login("nj-dual"), ["苏DJ-2020-00107"])
    nanjing = login("nanjing")
    assert (
        f"#{application.pk}" in nanjing.get(reverse("review_queue", args=["dj", "reissue"])).content.decode()
    )
    assert (
        f"#{application.pk}"
        not in nanjing.get(reverse("review_queue", args=["jc", "reissue"])).content.decode()
    )
