"""Staged uploads (reviews.staging) where they meet the later forms: the correction after 退回
(application_resubmit by the filer, application_correct_receipt by the receiver) and the province's
direct 注销 (certificate_revoke). Each scan arrives as a token; a failed submit keeps it; the filed scan is
stored once and the staged copy is gone."""

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from certificates.models import CertificateStatus
from reviews.models import Application, Attachment, StagedUpload, State

from . import files
from .test_corrections import SZ_JC, fresh
from .workflow import accept, certificate, decide, file_transfer

pytestmark = pytest.mark.django_db


def stage(client, f, scan_type):
    response = client.post(reverse("upload_stage"), {"type": scan_type, "file": f})
    assert response.status_code == 201, response.content.decode()
    return response.json()["token"]


def test_the_filer_corrects_a_return_with_a_staged_scan_kept_through_a_failed_submit(
    login, django_capture_on_commit_callbacks
):
    application = file_transfer(login("nj-jc"), "王强", SZ_JC)
    accept(login("sz-jc"), application)
    decide(login("nanjing"), application, "return", "解除劳动关系证明未盖章")
    assert fresh(application).state == State.RETURNED
    client = login("nj-jc")
    token = stage(client, files.png("盖章版.png"), "termination")
    url = reverse("application_resubmit", args=[application.pk])
    body = {"receiving_institution": application.receiving_institution_id, "termination__staged": token}
    failed = client.post(url, {**body, "receiving_institution": "999999"})
    assert failed.status_code == 400
    html = failed.content.decode()
    assert f'name="termination__staged" value="{token}"' in html and "盖章版.png" in html
    assert fresh(application).state == State.RETURNED and StagedUpload.objects.filter(token=token).exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, body)
    assert response.status_code == 302, response.content.decode()[:2000]
    application = fresh(application)
    assert application.state == State.PENDING_CITY
    current = application.attachments.current().get(type="termination")
    assert current.original_name == "盖章版.png" and default_storage.exists(current.file.name)
    assert not StagedUpload.objects.exists()
    # The reviewer's viewer: the new scan in the strip, the replaced one under 已替换（第2轮）, both with
    # thumbnails that open.
    old = application.attachments.get(type="termination", superseded_in_round=2)
    nanjing = login("nanjing")
    html = nanjing.get(reverse("application_detail", args=[application.pk])).content.decode()
    strip, replaced = html.split('id="superseded-2"', 1)
    assert reverse("attachment_thumbnail", args=[current.pk]) in strip.split('id="attachments"', 1)[1]
    assert reverse("attachment_thumbnail", args=[old.pk]) in replaced.split("</section>", 1)[0]
    for attachment in (current, old):
        assert nanjing.get(reverse("attachment_thumbnail", args=[attachment.pk])).status_code == 200


def test_the_receiver_corrects_its_part_with_a_staged_scan(login, django_capture_on_commit_callbacks):
    application = file_transfer(login("nj-jc"), "王强", SZ_JC)
    accept(login("sz-jc"), application)
    login("suzhou").post(
        reverse("application_decide", args=[application.pk]),
        {"decision": "return", "opinion": "社保缴费清单未加盖公章", "party": "receiver"},
    )
    assert fresh(application).returned_to == "receiver"
    client = login("sz-jc")
    token = stage(client, files.pdf("社保盖章.pdf"), "social_security")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("application_correct_receipt", args=[application.pk]), {"social_security__staged": token}
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    application = fresh(application)
    assert application.state == State.PENDING_CITY
    assert application.attachments.current().get(type="social_security").original_name == "社保盖章.pdf"
    assert not StagedUpload.objects.exists()


def test_the_province_revokes_with_a_staged_decision_scan_kept_through_a_failed_submit(
    login, django_capture_on_commit_callbacks
):
    client = login("province")
    token = stage(client, files.pdf("处理决定.pdf"), "province_decision")
    c = certificate("苏JC-2019-00012")
    url = reverse("certificate_revoke", args=[c.pk])
    failed = client.post(url, {"certificates": [c.pk], "reason": " ", "province_decision__staged": token})
    assert failed.status_code == 400
    assert f'name="province_decision__staged" value="{token}"' in failed.content.decode()
    assert not Application.objects.exists() and StagedUpload.objects.filter(token=token).exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"certificates": [c.pk], "reason": "出具虚假检测报告", "province_decision__staged": token}
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert certificate("苏JC-2019-00012").status == CertificateStatus.CANCELLED
    (attachment,) = Attachment.objects.all()
    assert (attachment.type, attachment.original_name) == ("province_decision", "处理决定.pdf")
    assert not StagedUpload.objects.exists()
