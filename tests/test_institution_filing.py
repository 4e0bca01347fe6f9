"""机构备案: a new institution from the province to its first approved filing; 增项 and 扩项."""

import pytest
from django.urls import reverse

from institutions.models import Capability, Institution, Qualification, User
from reviews.models import Application, Attachment, State

from . import files
from .workflow import approve_everywhere, decide

pytestmark = pytest.mark.django_db


def info(institution):
    return {
        f: getattr(institution, f)
        for f in ("name", "address", "legal_representative", "contact_person", "contact_phone")
    }


def qualification_data(q):
    return {"qualification_number": q.number, "valid_from": q.valid_from.isoformat(),
            "valid_until": q.valid_until.isoformat(), "scope": q.scope}  # fmt: skip


def submitted(response):
    assert response.status_code == 302, response.content.decode()[:3000]
    return Application.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))


def test_it_opens_a_new_institution_from_the_province_to_its_first_approved_filing(client, login):
    response = login("province").post(
        reverse("institution_new"),
        {
            "name": "扬州恒信检测有限公司",
            "credit_code": "91321000MA1X000063",
            "city": _city("yangzhou"),
            "username": "yz-new",
            "password": "Initial#2026",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    institution = Institution.objects.get(name="扬州恒信检测有限公司")
    assert institution.status == Institution.Status.PREPARING
    assert User.objects.get(username="yz-new").must_change_password

    signed_in = client.post(reverse("login"), {"username": "yz-new", "password": "Initial#2026"})
    assert signed_in.status_code == 302
    assert client.get(reverse("home"))["Location"] == reverse("password_change")
    client.post(reverse("password_change"), {"old_password": "Initial#2026", "new_password1": "Yz@Jiance2026x",
                                             "new_password2": "Yz@Jiance2026x"})  # fmt: skip
    assert client.get(reverse("home")).status_code == 200
    transfer_form = login("nj-jc").get(reverse("transfer_new")).content.decode()
    assert "扬州恒信检测有限公司" in transfer_form, "a 筹建 institution reports its people first"

    data = {**info(institution), "address": "扬州市邗江区文昌西路1号", "legal_representative": "孙涛",
            "qualification_number": "苏建检字第100001号", "valid_from": "2026-01-01", "valid_until": "2030-12-31",
            "scope": "建筑材料检测", "additions": "水泥｜水泥物理性能｜凝结时间、安定性\n钢筋｜钢筋力学性能｜屈服强度",
            "qualification_original": files.jpeg("正本.jpg"),
            "qualification_copy": [files.jpeg("副本1.jpg"), files.pdf("副本2.pdf")]}  # fmt: skip
    application = submitted(client.post(reverse("institution_filing", args=["jc"]), data))
    assert application.state == State.PENDING_CITY
    assert not Qualification.objects.filter(institution=institution).exists(), "nothing before approval"
    page = login("yangzhou").get(reverse("application_detail", args=[application.pk])).content.decode()
    assert "扬州市邗江区文昌西路1号" in page and "增项" in page and "资质证书正本" in page

    approve_everywhere(login, application, ["yangzhou"])
    institution.refresh_from_db()
    assert institution.status == Institution.Status.ACTIVE
    from django_fsm_log.models import StateLog

    (opened,) = StateLog.objects.for_(institution)
    assert (opened.transition, opened.by.username) == ("open", "province")
    assert institution.legal_representative == "孙涛"
    q = Qualification.objects.get(institution=institution, kind="JC")
    assert q.number == "苏建检字第100001号"
    assert q.scans.count() == 3
    assert Capability.objects.filter(institution=institution, kind="JC").count() == 2
    assert "扬州恒信检测有限公司" in login("nj-jc").get(reverse("transfer_new")).content.decode()


def _city(code):
    from institutions.models import City

    return City.objects.get(code=code).pk


def test_it_refuses_a_sixth_copy_scan_with_the_guides_hint(login):
    institution = Institution.objects.get(name="南京华宁建材检测有限公司")
    q = institution.qualifications.get()
    data = {**info(institution), **qualification_data(q), "qualification_original": files.jpeg("正本.jpg"),
            "qualification_copy": [files.jpeg(f"{i}.jpg") for i in range(1, 7)]}  # fmt: skip
    response = login("nj-jc").post(reverse("institution_filing", args=["jc"]), data)
    assert response.status_code == 400
    text = response.content.decode()
    assert "最多上传 5 个文件" in text and "将多页扫描为一个文件" in text
    assert not Application.objects.exists() and not Attachment.objects.exists()


def test_it_applies_additions_and_extensions_together_only_on_approval(login):
    institution = Institution.objects.get(name="南京华宁建材检测有限公司")
    q = institution.qualifications.get()
    cement = Capability.objects.get(institution=institution, item="水泥物理性能")
    data = {**info(institution), **qualification_data(q), "qualification_original": files.jpeg("新正本.jpg"),
            "additions": "砂石｜砂石常规检测｜颗粒级配、含泥量",
            f"extend_{cement.pk}": "细度、凝结时间、安定性、胶砂强度、比表面积"}  # fmt: skip
    application = submitted(login("nj-jc").post(reverse("institution_filing", args=["jc"]), data))
    page = login("nanjing").get(reverse("application_detail", args=[application.pk])).content.decode()
    assert "扩项" in page and "比表面积" in page and "细度、凝结时间、安定性、胶砂强度" in page
    decide(login("nanjing"), application)
    cement.refresh_from_db()
    assert "比表面积" not in cement.parameters
    assert not Capability.objects.filter(item="砂石常规检测").exists()
    decide(login("province"), application)
    cement.refresh_from_db()
    assert cement.parameters.endswith("比表面积")
    assert Capability.objects.filter(institution=institution, item="砂石常规检测").count() == 1
    assert Capability.objects.filter(institution=institution, item="水泥物理性能").count() == 1, (
        "扩项 replaces"
    )


def test_it_refuses_an_addition_that_already_exists(login):
    institution = Institution.objects.get(name="南京华宁建材检测有限公司")
    q = institution.qualifications.get()
    data = {**info(institution), **qualification_data(q), "additions": "水泥｜水泥物理性能｜细度"}
    response = login("nj-jc").post(reverse("institution_filing", args=["jc"]), data)
    assert response.status_code == 400
    assert "已存在，请改用扩项" in response.content.decode()


def test_it_requires_the_original_scan_when_the_qualification_changes(login):
    institution = Institution.objects.get(name="南京华宁建材检测有限公司")
    q = institution.qualifications.get()
    data = {**info(institution), **qualification_data(q), "valid_until": "2031-12-31"}
    response = login("nj-jc").post(reverse("institution_filing", args=["jc"]), data)
    assert response.status_code == 400
    assert "请上传新的资质证书正本扫描件" in response.content.decode()


def test_it_allows_one_open_filing_per_institution(login):
    institution = Institution.objects.get(name="南京华宁建材检测有限公司")
    q = institution.qualifications.get()
    data = {**info(institution), **qualification_data(q), "contact_phone": "025-1"}
    submitted(login("nj-jc").post(reverse("institution_filing", args=["jc"]), data))
    response = login("nj-jc").post(reverse("institution_filing", args=["jc"]), data)
    assert response.status_code == 409


def test_it_keeps_institution_filing_and_creation_to_the_right_roles(login):
    assert login("nanjing").get(reverse("institution_filing", args=["jc"])).status_code == 403
    assert login("sz-dj").get(reverse("institution_filing", args=["jc"])).status_code == 200  # 增项 of a kind
    assert login("sz-dj").get(reverse("person_new", args=["jc"])).status_code == 404
    for account in ("nanjing", "nj-jc"):
        assert login(account).get(reverse("institution_new")).status_code == 403


def test_it_requires_new_certificate_scans_for_a_capability_change(login):
    institution = Institution.objects.get(name="南京华宁建材检测有限公司")
    q = institution.qualifications.get()
    data = {**info(institution), **qualification_data(q), "additions": "砂石｜砂石常规检测｜颗粒级配"}
    response = login("nj-jc").post(reverse("institution_filing", args=["jc"]), data)
    assert response.status_code == 400
    assert "请上传新的资质证书正本扫描件" in response.content.decode()
    assert not Application.objects.exists()


def test_it_shows_the_current_validity_dates_in_the_form(login):
    page = login("nj-jc").get(reverse("institution_filing", args=["jc"])).content.decode()
    assert 'value="2024-01-01"' in page and 'value="2029-12-31"' in page


def test_it_files_only_the_current_scans_on_the_qualification_after_a_resubmission(login):
    institution = Institution.objects.get(name="南京华宁建材检测有限公司")
    q = institution.qualifications.get()
    data = {
        **info(institution),
        **qualification_data(q),
        "qualification_original": files.jpeg("正本-模糊.jpg"),
    }
    application = submitted(login("nj-jc").post(reverse("institution_filing", args=["jc"]), data))
    decide(login("nanjing"), application, "return", "正本扫描件模糊，请重新扫描。")
    response = login("nj-jc").post(
        reverse("application_resubmit", args=[application.pk]),
        {"qualification_original": files.jpeg("正本.jpg")},
    )
    assert response.status_code == 302
    approve_everywhere(login, application, ["nanjing"])
    q.refresh_from_db()
    assert [a.original_name for a in q.scans.all()] == ["正本.jpg"]
    assert application.attachments.get(original_name="正本-模糊.jpg").superseded_in_round == 2
