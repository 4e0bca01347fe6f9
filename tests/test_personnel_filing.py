"""人员备案 end to end: new person, changed details, and 无信用档案 → 正常 after a transfer."""

import pytest
from django.urls import reverse

from certificates.models import CertificateStatus
from personnel.models import Person
from reviews.models import State

from . import files
from .workflow import accept, approve_everywhere, certificate, decide, file_transfer

pytestmark = pytest.mark.django_db

SCANS = ("id_card", "diploma", "title_certificate", "labour_contract", "social_security")


def scans():
    return {
        "id_card": [files.jpeg("身份证正面.jpg"), files.jpeg("身份证反面.jpg")],
        "diploma": [files.pdf("学历.pdf")],
        "title_certificate": [files.png("职称.png")],
        "labour_contract": [files.jpeg("1.jpg"), files.jpeg("2.jpg")],
        "social_security": [files.pdf("社保.pdf")],
    }


def file_new_person(client, module="jc", expect=302, **data):
    payload = {"name": "周敏", "id_number": "320104199003070028", "education": "硕士", "title": "高级工程师",
               "phone": "13900000000", **data, **scans()}  # fmt: skip
    response = client.post(reverse("person_new", args=[module]), payload)
    assert response.status_code == expect, response.content.decode()[:3000]
    return response


def test_it_adds_a_person_only_when_approved(login):
    response = file_new_person(login("nj-jc"))
    req_id = int(response["Location"].rstrip("/").split("/")[-1])
    assert not Person.objects.filter(name="周敏").exists(), "nothing changes before approval"
    page = login("nanjing").get(reverse("application_detail", args=[req_id])).content.decode()
    assert "新增人员" in page and "周敏" in page and "身份证正反面" in page
    from reviews.models import Application

    application = approve_everywhere(login, Application.objects.get(pk=req_id), ["nanjing"])
    assert application.state == State.APPROVED
    person = Person.objects.get(id_number="320104199003070028")
    assert (person.name, person.gender, str(person.birth_date), person.institution.name) == (
        "周敏", "女", "1990-03-07", "南京华宁建材检测有限公司",
    )  # fmt: skip
    assert application.person_id == person.pk
    assert "周敏" in login("nj-jc").get(reverse("person_list", args=["jc"])).content.decode()


def test_it_refuses_an_id_number_already_filed_elsewhere(login):
    response = file_new_person(login("nj-jc"), id_number="320583198706060056", expect=400)
    page = response.content.decode()
    assert "该身份证号已在其他机构备案，调入人员请由原机构办理人员变更调离。" in page
    assert "无锡" not in page, "the other institution is not named"


def test_it_refuses_a_bad_id_number_and_stores_nothing(login):
    response = file_new_person(login("nj-jc"), id_number="320104199003070024", expect=400)
    assert "校验位" in response.content.decode()
    from reviews.models import Application, Attachment

    assert not Application.objects.exists() and not Attachment.objects.exists()


def test_it_shows_changed_fields_before_and_after(login):
    person = Person.objects.get(name="王强")
    data = {f: getattr(person, f) for f in ("name", "id_number", "gender", "education", "phone")}
    data.update(title="高级工程师", birth_date=person.birth_date.isoformat(), **scans())
    response = login("nj-jc").post(reverse("person_change", args=[person.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    req_id = int(response["Location"].rstrip("/").split("/")[-1])
    page = login("nanjing").get(reverse("application_detail", args=[req_id])).content.decode()
    assert "变更前 → 变更后" in page and "工程师" in page and "高级工程师" in page and "已变更" in page
    person.refresh_from_db()
    assert person.title == "工程师", "nothing changes before approval"
    from reviews.models import Application

    approve_everywhere(login, Application.objects.get(pk=req_id), ["nanjing"])
    person.refresh_from_db()
    assert person.title == "高级工程师"


def test_it_turns_no_credit_file_into_normal_after_a_transfer_and_a_filing(login):
    transfer = file_transfer(login("wx-dual"), "陈静", "苏州建科建材检测有限公司")
    accept(login("sz-jc"), transfer)
    approve_everywhere(login, transfer, ["wuxi", "suzhou"])
    assert certificate("苏JC-2017-00310").status == CertificateStatus.NO_CREDIT_FILE
    person = Person.objects.get(name="陈静")
    data = {f: getattr(person, f) for f in ("name", "id_number", "gender", "education", "title", "phone")}
    data.update(birth_date=person.birth_date.isoformat(), **scans())
    response = login("sz-jc").post(reverse("person_change", args=[person.pk]), data)
    assert response.status_code == 302
    from reviews.models import Application

    filing = Application.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    approve_everywhere(login, filing, ["suzhou"])
    jc, dj = certificate("苏JC-2017-00310"), certificate("苏DJ-2017-00310")
    assert (jc.status, jc.institution.name) == (CertificateStatus.NORMAL, "苏州建科建材检测有限公司")
    assert dj.status == CertificateStatus.DETACHED, "a detached certificate stays detached"


def test_it_keeps_filing_to_the_persons_institution(login):
    person = Person.objects.get(name="王强")
    assert login("sz-jc").get(reverse("person_change", args=[person.pk])).status_code == 404
    assert login("nanjing").get(reverse("person_change", args=[person.pk])).status_code == 403
    assert login("nanjing").get(reverse("person_new", args=["jc"])).status_code == 403
    assert login("sz-dj").get(reverse("person_new", args=["jc"])).status_code == 404


def test_it_returns_a_filing_with_an_opinion(login):
    response = file_new_person(login("nj-jc"))
    from reviews.models import Application

    application = Application.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    decide(login("nanjing"), application, "return", "学历证书不清晰")
    application.refresh_from_db()
    assert application.state == State.RETURNED
    assert not Person.objects.filter(name="周敏").exists()
