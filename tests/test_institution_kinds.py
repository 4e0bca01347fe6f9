"""机构备案 of a qualification's scans and kinds: a filing replaces exactly the scans it names, the first
filing brings 正本 and 副本, an institution adds the kind it lacks (增项 of a kind) and its people's 调离
certificates re-attach, a 筹建 institution receives staff, and 减项."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from certificates.models import CertificateStatus, PrintTask
from institutions.models import Capability, Institution, Qualification
from reviews.models import Application, Attachment, State

from . import files
from .test_institution_filing import info, qualification_data, submitted
from .workflow import accept, approve_everywhere, certificate, file_transfer, walk_transfer

pytestmark = pytest.mark.django_db

HUANING = "南京华宁建材检测有限公司"  # nj-jc, 建材 only
SZ_JC = "苏州建科建材检测有限公司"  # sz-jc, 建材 only


def first_scans():
    return {
        "qualification_original": files.jpeg("正本.jpg"),
        "qualification_copy": [files.jpeg(f"副本{i}.jpg") for i in range(1, 6)],
    }


def test_it_replaces_only_the_scans_a_filing_names(login):
    institution = Institution.objects.get(name=HUANING)
    q = institution.qualifications.get()
    data = {**info(institution), **qualification_data(q), "scope": "建筑材料检测（全项）", **first_scans()}
    approve_everywhere(login, submitted(login("nj-jc").post(reverse("institution_filing", args=["jc"]), data)),
                       ["nanjing"])  # fmt: skip
    assert sorted(a.original_name for a in q.scans.all()) == ["副本1.jpg", "副本2.jpg", "副本3.jpg",
                                                              "副本4.jpg", "副本5.jpg", "正本.jpg"]  # fmt: skip

    data = {**info(institution), **qualification_data(q), "scope": "建筑材料检测（全项）",
            "additions": "砂石｜砂石常规检测｜颗粒级配", "qualification_original": files.jpeg("新正本.jpg")}  # fmt: skip
    application = submitted(login("nj-jc").post(reverse("institution_filing", args=["jc"]), data))
    page = login("nanjing").get(reverse("application_detail", args=[application.pk])).content.decode()
    scans = page[page.index('id="qualification-scans"') :]
    assert scans.count("保留") == 5 and scans.count("替换") == 1 and scans.count("新增") == 1
    approve_everywhere(login, application, ["nanjing"])

    assert sorted(a.original_name for a in q.scans.all()) == ["副本1.jpg", "副本2.jpg", "副本3.jpg",
                                                              "副本4.jpg", "副本5.jpg", "新正本.jpg"]  # fmt: skip
    old = Attachment.objects.get(original_name="正本.jpg")
    assert old.qualification is None and old.application_id is not None, "kept with its own filing"
    assert login("nanjing").get(reverse("attachment_download", args=[old.pk])).status_code == 200
    page = login("nj-jc").get(reverse("application_detail", args=[application.pk])).content.decode()
    assert "新正本.jpg" in page and "副本5.jpg" in page


def test_it_requires_the_original_and_a_copy_for_a_first_qualification(login):
    institution = Institution.objects.get(name=HUANING)
    data = {**info(institution), "qualification_number": "苏建检字第200001号", "valid_from": "2026-01-01",
            "valid_until": "2030-12-31", "scope": "地基基础检测", "additions": "桩基｜单桩竖向抗压静载试验｜承载力",
            "qualification_original": files.jpeg("正本.jpg")}  # fmt: skip
    response = login("nj-jc").post(reverse("institution_filing", args=["dj"]), data)
    assert response.status_code == 400
    assert "请上传资质证书正本和至少一个副本的扫描件" in response.content.decode()
    assert not Application.objects.exists() and not Attachment.objects.exists()

    del data["qualification_original"]
    data["qualification_copy"] = [files.jpeg("副本1.jpg")]
    response = login("nj-jc").post(reverse("institution_filing", args=["dj"]), data)
    assert response.status_code == 400
    assert not Application.objects.exists() and not Attachment.objects.exists()


def dj_filing(institution, **overrides):
    return {**info(institution), "qualification_number": "苏建检字第200002号", "valid_from": "2026-01-01",
            "valid_until": "2031-12-31", "scope": "地基基础检测",
            "additions": "桩基｜低应变法｜桩身完整性\n地基｜平板载荷试验｜承载力",
            "qualification_original": files.jpeg("地基正本.jpg"),
            "qualification_copy": [files.jpeg("地基副本1.jpg"), files.pdf("地基副本2.pdf")], **overrides}  # fmt: skip


def test_a_single_kind_institution_adds_the_other_kind_and_its_detached_certificates_reattach(login):
    # Case 4 (dual → single): 陈静's 地基 certificate is 调离 at 苏州建科建材, which holds only 建材.
    walk_transfer(login, "陈静", "wx-dual", "sz-jc", SZ_JC, ["wuxi", "suzhou"])
    assert certificate("苏DJ-2017-00310").status == CertificateStatus.DETACHED
    institution = Institution.objects.get(name=SZ_JC)
    client = login("sz-jc")
    assert client.get(reverse("person_list", args=["dj"])).status_code == 404
    menu = client.get(reverse("home")).content.decode()
    assert (
        reverse("institution_filing", args=["dj"]) in menu and reverse("person_list", args=["dj"]) not in menu
    )

    # A pending 建材 filing does not block the 地基 one.
    jc = institution.qualifications.get()
    submitted(client.post(reverse("institution_filing", args=["jc"]),
                          {**info(institution), **qualification_data(jc), "contact_phone": "0512-1"}))  # fmt: skip
    application = submitted(client.post(reverse("institution_filing", args=["dj"]), dj_filing(institution)))
    assert application.module_dj and not application.module_jc
    page = login("suzhou").get(reverse("application_detail", args=[application.pk])).content.decode()
    assert "苏DJ-2017-00310" in page and "证书变化（预计）" in page and "无信用档案" in page
    assert login("nj-jc").post(reverse("institution_filing", args=["dj"]), dj_filing(
        Institution.objects.get(name=HUANING))).status_code == 302, "another institution files its own"  # fmt: skip

    approve_everywhere(login, application, ["suzhou"])
    assert institution.kinds() == ["JC", "DJ"]
    assert Capability.objects.filter(institution=institution, kind="DJ").count() == 2
    cert = certificate("苏DJ-2017-00310")
    assert (cert.status, cert.institution) == (CertificateStatus.NO_CREDIT_FILE, institution)
    assert PrintTask.objects.filter(certificate=cert, state=PrintTask.State.PENDING).exists()
    menu = client.get(reverse("home")).content.decode()
    assert reverse("person_list", args=["dj"]) in menu and reverse("person_list", args=["jc"]) in menu
    assert "申请地基资质" not in menu, "the menu is never stale"
    assert client.get(reverse("person_list", args=["dj"])).status_code == 200
    page = client.get(reverse("application_detail", args=[application.pk])).content.decode()
    assert "证书变化（已生效）" in page and "苏DJ-2017-00310" in page


@pytest.mark.parametrize(
    "valid_from, valid_until, approved_on, reattached",
    [
        (-30, 0, 1, False),  # in force when filed, expired on the day of approval
        (1, 400, 1, True),  # starts between filing and approval
        (5, 400, 1, False),  # not yet in force on the day of approval
    ],
)
def test_it_reattaches_only_when_the_qualification_is_in_force_on_the_day_of_approval(
    login, monkeypatch, valid_from, valid_until, approved_on, reattached
):
    walk_transfer(login, "陈静", "wx-dual", "sz-jc", SZ_JC, ["wuxi", "suzhou"])
    institution = Institution.objects.get(name=SZ_JC)
    today = timezone.localdate()
    data = dj_filing(institution, valid_from=(today + timedelta(valid_from)).isoformat(),
                     valid_until=(today + timedelta(valid_until)).isoformat())  # fmt: skip
    application = submitted(login("sz-jc").post(reverse("institution_filing", args=["dj"]), data))
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: today + timedelta(approved_on))
    approve_everywhere(login, application, ["suzhou"])
    assert Qualification.objects.filter(institution=institution, kind="DJ").exists()
    cert = certificate("苏DJ-2017-00310")
    expected = (
        (CertificateStatus.NO_CREDIT_FILE, institution) if reattached else (CertificateStatus.DETACHED, None)
    )
    assert (cert.status, cert.institution) == expected


def test_a_new_institution_files_its_staff_receives_a_transfer_and_its_certificates_reattach(login):
    login("province").post(reverse("institution_new"), {
        "name": "扬州恒信检测有限公司", "credit_code": "91321000MA1X000063",
        "city": Institution.objects.get(name=HUANING).city.__class__.objects.get(code="yangzhou").pk,
        "username": "yz-new", "password": "Initial#2026"})  # fmt: skip
    new = Institution.objects.get(name="扬州恒信检测有限公司")
    assert new.status == Institution.Status.PREPARING
    from institutions.models import User

    User.objects.filter(username="yz-new").update(must_change_password=False)
    assert "扬州恒信检测有限公司" in login("nj-dual").get(reverse("transfer_new")).content.decode()

    # 张伟 (建材 + 地基) moves in before the new institution holds any qualification: both 调离.
    transfer = file_transfer(login("nj-dual"), "张伟", new.name)
    accept(login("yz-new"), transfer)
    page = login("nanjing").get(reverse("application_detail", args=[transfer.pk])).content.decode()
    assert 'id="preparing-note"' in page and page.count("badge-detached") >= 2, "predicted honestly: 调离"
    transfer = approve_everywhere(login, transfer, ["nanjing", "yangzhou"])
    assert transfer.state == State.APPROVED
    for number in ("苏JC-2019-00012", "苏DJ-2019-00012"):
        cert = certificate(number)
        assert (cert.status, cert.institution) == (CertificateStatus.DETACHED, None)

    # Its first 机构备案 (建材) is approved: the 建材 certificate re-attaches, the 地基 one stays 调离.
    data = {**info(new), "qualification_number": "苏建检字第100001号", "valid_from": "2026-01-01",
            "valid_until": "2030-12-31", "scope": "建筑材料检测", "additions": "水泥｜水泥物理性能｜凝结时间",
            "qualification_original": files.jpeg("正本.jpg"), "qualification_copy": [files.jpeg("副本.jpg")]}  # fmt: skip
    application = submitted(login("yz-new").post(reverse("institution_filing", args=["jc"]), data))
    approve_everywhere(login, application, ["yangzhou"])
    new.refresh_from_db()
    assert new.status == Institution.Status.ACTIVE
    jc, dj = certificate("苏JC-2019-00012"), certificate("苏DJ-2019-00012")
    assert (jc.status, jc.institution) == (CertificateStatus.NO_CREDIT_FILE, new)
    assert (dj.status, dj.institution) == (CertificateStatus.DETACHED, None)


def test_a_new_institution_files_a_person_of_its_own(login):
    from institutions.models import City, User

    login("province").post(reverse("institution_new"), {
        "name": "扬州恒信检测有限公司", "credit_code": "91321000MA1X000063",
        "city": City.objects.get(code="yangzhou").pk, "username": "yz-new", "password": "Initial#2026"})  # fmt: skip
    User.objects.filter(username="yz-new").update(must_change_password=False)
    from .test_forged_filings import personnel_body

    response = login("yz-new").post(reverse("person_new", args=["jc"]), personnel_body())
    assert response.status_code == 302, response.content.decode()[:2000]


def test_it_removes_a_capability_through_a_reviewed_filing(login):
    institution = Institution.objects.get(name=HUANING)
    q = institution.qualifications.get()
    cement = Capability.objects.get(institution=institution, item="水泥物理性能")
    data = {**info(institution), **qualification_data(q), f"remove_{cement.pk}": "on",
            "qualification_original": files.jpeg("新正本.jpg")}  # fmt: skip
    application = submitted(login("nj-jc").post(reverse("institution_filing", args=["jc"]), data))
    page = login("nanjing").get(reverse("application_detail", args=[application.pk])).content.decode()
    changes = page[page.index('id="capability-changes"') :]
    assert (
        "减项" in changes
        and "水泥物理性能" in changes
        and cement.parameters in changes
        and "（删除）" in changes
    )
    assert Capability.objects.filter(pk=cement.pk).exists(), "nothing changes before approval"
    approve_everywhere(login, application, ["nanjing"])
    assert not Capability.objects.filter(pk=cement.pk).exists()
    assert Capability.objects.filter(institution=institution).exists(), "only the entry named"


def test_it_refuses_extending_and_removing_the_same_capability(login):
    institution = Institution.objects.get(name=HUANING)
    q = institution.qualifications.get()
    cement = Capability.objects.get(institution=institution, item="水泥物理性能")
    data = {**info(institution), **qualification_data(q), f"remove_{cement.pk}": "on",
            f"extend_{cement.pk}": "细度", "qualification_original": files.jpeg("新正本.jpg")}  # fmt: skip
    response = login("nj-jc").post(reverse("institution_filing", args=["jc"]), data)
    assert response.status_code == 400 and "不能同时扩项和减项" in response.content.decode()
    assert not Application.objects.exists() and not Attachment.objects.exists()
