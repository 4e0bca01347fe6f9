"""The province cancels a certificate directly (撤销/注销 for misconduct): reason and scans, a recorded
decision, 公告, 证书收回 from the holder's institution; nobody else may, and bad input leaves nothing."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from certificates.models import Announcement, CancellationRequest, CertificateStatus, Recovery
from reviews.models import Application, Attachment, Decision, State

from . import files
from .workflow import certificate, file_transfer, walk_transfer

pytestmark = pytest.mark.django_db

REASON = "出具虚假检测报告，依规撤销岗位合格证书"


def revoke(client, number, *, numbers=None, reason=REASON, scans=True, expect=302):
    data = {"certificates": [certificate(n).pk for n in (numbers or [number])], "reason": reason}
    if scans:
        data["province_decision"] = [files.pdf("处理决定.pdf")]
    response = client.post(reverse("certificate_revoke", args=[certificate(number).pk]), data)
    assert response.status_code == expect, response.content.decode()[:2000]
    return response


def test_the_province_cancels_a_certificate_with_a_recorded_decision(login):
    response = revoke(login("province"), "苏JC-2019-00012")
    application = Application.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    assert application.state == State.APPROVED
    detail = application.detail()
    assert (detail.by_province, detail.holder_agrees, detail.reason) == (True, None, REASON)
    assert application.institution.name == "南京市建设工程质量检测中心"
    c = certificate("苏JC-2019-00012")
    assert c.status == CertificateStatus.CANCELLED
    assert certificate("苏DJ-2019-00012").status == CertificateStatus.NORMAL, "only the chosen one"
    decision = Decision.objects.get(application=application)
    assert (decision.step, decision.outcome, decision.opinion) == ("province", "approve", REASON)
    assert AuditEvent.objects.filter(kind="decision", detail__contains="苏JC-2019-00012").exists()
    assert Attachment.objects.get(application=application).type == "province_decision"
    announcement = Announcement.objects.get(application=application)
    assert (announcement.type, announcement.certificate_numbers) == ("cancellation", "苏JC-2019-00012")
    assert "苏JC-2019-00012" in login("nj-dual").get(reverse("announcement_list")).content.decode()
    recovery = Recovery.objects.get(application=application)
    assert recovery.state == Recovery.State.PENDING
    # The holder's institution is told, and it is the one that mails the paper back.
    page = login("nj-dual").get(reverse("application_detail", args=[application.pk])).content.decode()
    assert "请立即将岗位合格证书寄回省质监总站" in page and "省质监总站直接注销" in page
    assert login("nj-dual").post(reverse("recovery_mail", args=[recovery.pk])).status_code == 302
    # 证书查询 says so.
    found = login("nj-jc").get(reverse("verify"), {"number": "苏JC-2019-00012", "name": "张伟"})
    assert "已注销" in found.content.decode()


def test_the_province_cancels_a_detached_certificate_recovered_from_the_holders_institution(login):
    walk_transfer(login, "陈静", "wx-dual", "sz-jc", "苏州建科建材检测有限公司", ["wuxi", "suzhou"])
    assert certificate("苏DJ-2017-00310").status == CertificateStatus.DETACHED
    revoke(login("province"), "苏DJ-2017-00310")
    cancellation = CancellationRequest.objects.get(by_province=True)
    assert cancellation.institution.name == "苏州建科建材检测有限公司"
    assert certificate("苏DJ-2017-00310").status == CertificateStatus.CANCELLED


@pytest.mark.parametrize("account", ["nanjing", "nj-dual"])
def test_nobody_else_may_cancel_directly(login, account):
    for method in ("get", "post"):
        response = getattr(login(account), method)(
            reverse("certificate_revoke", args=[certificate("苏JC-2019-00012").pk])
        )
        assert response.status_code == 403
    assert certificate("苏JC-2019-00012").status == CertificateStatus.NORMAL
    assert not Application.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"reason": " "}, "这个字段是必填项"), ({"scans": False}, "请上传处理决定")],
)
def test_it_refuses_without_a_reason_or_scans_and_leaves_nothing(login, kwargs, message, settings):
    response = revoke(login("province"), "苏JC-2019-00012", expect=400, **kwargs)
    assert message in response.content.decode()
    assert certificate("苏JC-2019-00012").status == CertificateStatus.NORMAL
    assert not Application.objects.exists() and not Decision.objects.exists()
    assert not Announcement.objects.exists() and not Recovery.objects.exists()
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_it_refuses_while_the_person_has_an_open_request(login):
    file_transfer(login("nj-dual"), "张伟", "无锡市建设工程质量检测中心")
    response = revoke(login("province"), "苏JC-2019-00012", expect=409)
    assert "未办结的申请" in response.content.decode()
    assert certificate("苏JC-2019-00012").status == CertificateStatus.NORMAL
    assert not CancellationRequest.objects.exists()


def test_it_refuses_a_certificate_of_another_person(login):
    response = revoke(login("province"), "苏JC-2019-00012", numbers=["苏JC-2018-00231"], expect=400)
    assert "不在可用的选项中" in response.content.decode()
    assert not Application.objects.exists()


def test_the_province_finds_the_action_beside_each_live_certificate(login):
    page = login("province").get(reverse("certificate_list", args=["jc"])).content.decode()
    assert reverse("certificate_revoke", args=[certificate("苏JC-2019-00012").pk]) in page
    own = login("nj-dual").get(reverse("certificate_list", args=["jc"])).content.decode()
    assert "/revoke/" not in own
