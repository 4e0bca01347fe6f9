"""Forged filings: every filing and resubmission URL posted with a body the form would never offer.

Each is refused with a clear Chinese message and leaves nothing behind (no application, no scan row,
no stored file, no history row). The same data handed straight to the action is refused as well: the
rule lives in the process's ``check_filing``, run by the action under the person's row lock, not only
in a form's choices.
"""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django_fsm_log.models import StateLog

from certificates.cancellation import file_cancellation
from certificates.models import CertificateStatus, PostCertificate
from certificates.reissue import file_reissue
from certificates.transfer import file_transfer
from filings.models import PersonnelFiling
from filings.personnel_filing import file_personnel
from institutions.models import City, Institution, User
from personnel.models import Person
from reviews import actions
from reviews.attachments import inspect_files
from reviews.models import Application, Attachment, State

from . import files
from .workflow import certificate, decide

pytestmark = pytest.mark.django_db


@pytest.fixture
def nothing_saved(settings):
    """Asserts after the test body that no application, scan, stored file or history row appeared."""
    media = settings.MEDIA_ROOT

    def stored():
        return sorted(str(p) for p in media.rglob("*") if p.is_file()) if media.exists() else []

    before = (Application.objects.count(), Attachment.objects.count(), StateLog.objects.count(), stored())
    yield
    after = (Application.objects.count(), Attachment.objects.count(), StateLog.objects.count(), stored())
    assert after == before


def user(username):
    return User.objects.get(username=username)


def termination():
    return {"termination": inspect_files([files.jpeg("解除劳动关系证明.jpg")], label="解除劳动关系证明")}


def transfer_body(person, receiving):
    return {
        "person": person.pk,
        "receiving_institution": receiving.pk,
        "termination": files.jpeg("解除劳动关系证明.jpg"),
    }


def certificate_body(numbers, **extra):
    return {"certificates": [certificate(n).pk for n in numbers], "reason": "证书遗失", **extra}


REISSUE_SCANS = lambda: {  # noqa: E731
    "newspaper_notice": files.jpeg("登报声明.jpg"),
    "labour_contract": [files.jpeg("1.jpg")],
    "social_security": [files.pdf("社保.pdf")],
}


def refused(response, status=400, text=""):
    page = response.content.decode()
    assert response.status_code == status, page[:2000]
    assert text in page
    return page


# --- 人员变更调离 --------------------------------------------------------------------------------


def test_it_refuses_a_transfer_of_another_institutions_person(login, nothing_saved):
    other = Person.objects.get(name="刘洋")  # 苏州建科建材
    receiving = Institution.objects.get(name="无锡市建设工程质量检测中心")
    refused(login("nj-jc").post(reverse("transfer_new"), transfer_body(other, receiving)), text="调离人员")
    with pytest.raises(actions.FilingRefused, match="刘洋不是本机构人员"):
        file_transfer(user("nj-jc"), other, receiving, termination())


def test_it_refuses_a_transfer_of_a_person_with_an_open_application(login):
    wang = Person.objects.get(name="王强")
    suzhou = Institution.objects.get(name="苏州建科建材检测有限公司")
    wuxi = Institution.objects.get(name="无锡市建设工程质量检测中心")
    file_transfer(user("nj-jc"), wang, suzhou, termination())
    counts = (Application.objects.count(), Attachment.objects.count())
    refused(login("nj-jc").post(reverse("transfer_new"), transfer_body(wang, wuxi)), text="调离人员")
    with pytest.raises(actions.ApplicationConflict):
        file_transfer(user("nj-jc"), wang, wuxi, termination())
    assert (Application.objects.count(), Attachment.objects.count()) == counts


@pytest.mark.parametrize("receiver", ["own", "closed"])
def test_it_refuses_a_receiver_that_may_not_receive(login, nothing_saved, receiver):
    wang = Person.objects.get(name="王强")
    if receiver == "own":
        receiving, message = wang.institution, "请选择本机构以外的调入机构"
    else:
        receiving = Institution.objects.create(
            name="扬州恒信检测有限公司",
            credit_code="91321000MA1X000063",
            city=City.objects.get(code="yangzhou"),
        )
        # A 筹建 institution may receive; a closed one may not (closed outside this test's flow).
        Institution.objects.filter(pk=receiving.pk).update(status=Institution.Status.CANCELLED)
        message = "扬州恒信检测有限公司当前不能接收人员"
    refused(login("nj-jc").post(reverse("transfer_new"), transfer_body(wang, receiving)), text="调入机构")
    with pytest.raises(actions.FilingRefused, match=message):
        file_transfer(user("nj-jc"), wang, receiving, termination())


# --- 补证 and 注销 -----------------------------------------------------------------------------


def cancel_directly(number):
    """A certificate cancelled outside this test's flow (the status field is protected)."""
    PostCertificate.objects.filter(number=number).update(status=CertificateStatus.CANCELLED)


@pytest.mark.parametrize("url", ["reissue_new", "cancellation_new"])
def test_it_refuses_a_cancelled_certificate(login, nothing_saved, url):
    cancel_directly("苏JC-2018-00231")
    body = certificate_body(["苏JC-2018-00231"], holder_agrees="yes", **REISSUE_SCANS())
    body["certificate_scan"] = [files.jpeg("岗位合格证.jpg")]
    refused(login("nj-jc").post(reverse(url), body), text="不在可用的选项中")
    with pytest.raises(actions.FilingRefused, match="证书苏JC-2018-00231已注销"):
        file_reissue(user("nj-jc"), [certificate("苏JC-2018-00231")], "证书遗失", {})
    with pytest.raises(actions.FilingRefused, match="证书苏JC-2018-00231已注销"):
        file_cancellation(user("nj-jc"), [certificate("苏JC-2018-00231")], "离职", True, {})


def test_it_refuses_another_institutions_certificate(login, nothing_saved):
    body = certificate_body(["苏JC-2021-00056"], **REISSUE_SCANS())  # 刘洋, 苏州建科建材
    refused(login("nj-jc").post(reverse("reissue_new"), body), text="不在可用的选项中")
    with pytest.raises(actions.FilingRefused, match="证书苏JC-2021-00056不在本机构"):
        file_reissue(user("nj-jc"), [certificate("苏JC-2021-00056")], "证书遗失", {})


def test_it_refuses_certificates_of_two_people_in_one_application(login, nothing_saved):
    body = certificate_body(["苏JC-2019-00012", "苏JC-2020-00107"], **REISSUE_SCANS())
    refused(login("nj-dual").post(reverse("reissue_new"), body), text="一次只能为同一人员的证书提出申请")
    two = [certificate("苏JC-2019-00012"), certificate("苏JC-2020-00107")]
    with pytest.raises(actions.FilingRefused, match="一次只能为同一人员的证书提出申请"):
        file_reissue(user("nj-dual"), two, "证书遗失", {})


# --- 人员备案 and 机构备案 -------------------------------------------------------------------------


def personnel_body(**data):
    return {
        "name": "周敏",
        "id_number": "320104199003070028",
        "id_card": [files.jpeg("身份证.jpg")],
        "diploma": [files.pdf("学历.pdf")],
        "title_certificate": [files.png("职称.png")],
        "labour_contract": [files.jpeg("1.jpg")],
        "social_security": [files.pdf("社保.pdf")],
        **data,
    }


def test_it_refuses_a_change_filed_for_another_institutions_person(login, nothing_saved):
    other = Person.objects.get(name="刘洋")
    assert login("nj-jc").post(reverse("person_change", args=[other.pk]), personnel_body()).status_code == 404
    filing = PersonnelFiling(name="刘洋", id_number=other.id_number, gender="男", birth_date=other.birth_date)
    with pytest.raises(actions.FilingRefused, match="刘洋不是本机构人员"):
        file_personnel(user("nj-jc"), filing, person=other, kind="JC", scans_by_type={})


def test_it_refuses_a_new_person_whose_id_number_is_on_file(login, nothing_saved):
    chen = Person.objects.get(name="陈静")
    page = refused(
        login("nj-jc").post(reverse("person_new", args=["jc"]), personnel_body(id_number=chen.id_number))
    )
    message = "该身份证号已在其他机构备案"
    assert message in page and "无锡" not in page
    filing = PersonnelFiling(name="陈静", id_number=chen.id_number, gender="女", birth_date=chen.birth_date)
    with pytest.raises(actions.FilingRefused, match=message):
        file_personnel(user("nj-jc"), filing, person=None, kind="JC", scans_by_type={})


def test_it_refuses_a_second_open_filing_for_the_same_new_person(login):
    assert login("nj-jc").post(reverse("person_new", args=["jc"]), personnel_body()).status_code == 302
    counts = (Application.objects.count(), Attachment.objects.count())
    page = refused(login("sz-jc").post(reverse("person_new", args=["jc"]), personnel_body()))
    assert "该身份证号已有未办结的人员备案申请" in page
    assert (Application.objects.count(), Attachment.objects.count()) == counts


def test_it_refuses_an_institution_filing_from_a_city(login, nothing_saved):
    assert login("nanjing").post(reverse("institution_filing", args=["jc"]), {"name": "x"}).status_code == 403
    with pytest.raises(PermissionDenied):
        file_personnel(
            user("nanjing"),
            PersonnelFiling(
                name="周敏", id_number="320104199003070028", gender="女", birth_date="1990-03-07"
            ),
            person=None,
            kind="JC",
            scans_by_type={},
        )


# --- Resubmission after 退回 -----------------------------------------------------------------------


@pytest.fixture
def returned_reissue(login):
    response = login("nj-jc").post(
        reverse("reissue_new"), certificate_body(["苏JC-2018-00231"], **REISSUE_SCANS())
    )
    application = Application.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    decide(login("nanjing"), application, "return", "登报声明不清晰")
    application.refresh_from_db()
    assert application.state == State.RETURNED
    return application


def test_it_refuses_a_resubmission_once_the_certificate_is_cancelled(login, returned_reissue):
    cancel_directly("苏JC-2018-00231")
    counts = (Attachment.objects.count(), StateLog.objects.count())
    response = login("nj-jc").post(
        reverse("application_resubmit", args=[returned_reissue.pk]),
        {"newspaper_notice": files.jpeg("登报声明-重新扫描.jpg")},
    )
    refused(response, text="证书苏JC-2018-00231已注销，不能办理此项申请")
    returned_reissue.refresh_from_db()
    assert returned_reissue.state == State.RETURNED
    assert (Attachment.objects.count(), StateLog.objects.count()) == counts
    assert not returned_reissue.attachments.filter(original_name="登报声明-重新扫描.jpg").exists()
    with pytest.raises(actions.FilingRefused, match="已注销"):
        actions.resubmit(returned_reissue.pk, user("nj-jc"), scans_by_type={})


def test_it_refuses_a_resubmission_by_anyone_but_the_filer(login, returned_reissue):
    response = login("nj-dual").post(
        reverse("application_resubmit", args=[returned_reissue.pk]),
        {"newspaper_notice": files.jpeg("登报声明.jpg")},
    )
    assert response.status_code == 404  # another institution does not see it
    assert (
        login("nanjing").post(reverse("application_resubmit", args=[returned_reissue.pk])).status_code == 403
    )
    with pytest.raises(PermissionDenied):
        actions.resubmit(returned_reissue.pk, user("nj-dual"), scans_by_type={})
    returned_reissue.refresh_from_db()
    assert returned_reissue.state == State.RETURNED
