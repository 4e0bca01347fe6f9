"""The province suspends (暂停), resumes and closes (注销) an institution with a reason: recorded and
announced; a suspended or closed institution neither files nor receives; closing ends its logins and
turns its people's certificates 调离, so that another institution can take them on."""

import pytest
from django.test import Client
from django.urls import reverse
from django_fsm_log.models import StateLog

from audit.models import AuditEvent
from certificates.models import Announcement, CertificateStatus
from institutions.models import Institution, User
from personnel.models import Person
from reviews.models import Application, State

from .test_forged_filings import personnel_body
from .workflow import approve_everywhere, certificate, file_transfer

pytestmark = pytest.mark.django_db

SZ_JC = "苏州建科建材检测有限公司"  # sz-jc; 刘洋 (苏JC-2021-00056) works there


def act(client, action, institution, reason="资质条件不再满足", expect=302):
    response = client.post(reverse(f"institution_{action}", args=[institution.pk]), {"reason": reason})
    assert response.status_code == expect, response.content.decode()[:2000]
    return response


def test_only_the_province_changes_an_institutions_status(login):
    institution = Institution.objects.get(name=SZ_JC)
    act(login("suzhou"), "suspend", institution, expect=403)
    act(login("sz-jc"), "close", institution, expect=403)
    act(login("nj-jc"), "close", institution, expect=404)
    assert (
        Client().post(reverse("institution_close", args=[institution.pk]), {"reason": "x"}).status_code == 302
    )
    assert login("province").get(reverse("institution_close", args=[institution.pk])).status_code == 405
    response = act(login("province"), "suspend", institution, reason="  ", expect=400)
    assert "请填写原因" in response.content.decode()
    act(login("province"), "resume", institution, expect=409)  # not suspended
    institution.refresh_from_db()
    assert institution.status == Institution.Status.ACTIVE
    assert not StateLog.objects.for_(institution).exists() and not Announcement.objects.exists()


def test_a_suspended_institution_neither_files_nor_receives_until_resumed(login):
    institution = Institution.objects.get(name=SZ_JC)
    page = login("province").get(reverse("institution_detail", args=[institution.pk])).content.decode()
    assert "暂停" in page and "注销" in page and "恢复" not in page
    act(login("province"), "suspend", institution, reason="监督检查发现问题，责令整改")
    institution.refresh_from_db()
    assert institution.status == Institution.Status.SUSPENDED
    (log,) = StateLog.objects.for_(institution)
    assert (log.transition, log.by.username, log.description) == (
        "suspend",
        "province",
        "监督检查发现问题，责令整改",
    )
    assert AuditEvent.objects.filter(kind="institution_status", detail__contains="暂停").exists()
    public = Client().get(reverse("announcement_list")).content.decode()
    assert "机构暂停" in public and SZ_JC in public and "责令整改" in public

    assert SZ_JC not in login("nj-jc").get(reverse("transfer_new")).content.decode()
    file_transfer(login("sz-jc"), "刘洋", "无锡市建设工程质量检测中心", expect=400)
    assert login("sz-jc").get(reverse("home")).status_code == 200, "a suspended institution still logs in"

    act(login("province"), "resume", institution, reason="整改完成")
    institution.refresh_from_db()
    assert institution.status == Institution.Status.ACTIVE
    assert file_transfer(login("sz-jc"), "刘洋", "无锡市建设工程质量检测中心").state == State.PENDING_RECEIPT


def test_a_closed_institution_stops_its_logins_and_its_people_can_be_taken_on_elsewhere(client, login):
    institution = Institution.objects.get(name=SZ_JC)
    client.post(reverse("login"), {"username": "sz-jc", "password": "Jiance@2026"})
    assert client.get(reverse("home")).status_code == 200
    act(login("province"), "close", institution, reason="机构申请注销")

    assert client.get(reverse("home")).status_code == 302, "its open session ends"
    response = Client().post(reverse("login"), {"username": "sz-jc", "password": "Jiance@2026"})
    assert response.status_code == 200 and not response.wsgi_request.user.is_authenticated
    cert = certificate("苏JC-2021-00056")
    assert (cert.status, cert.institution) == (CertificateStatus.DETACHED, None)
    assert "机构注销" in Client().get(reverse("announcement_list")).content.decode()
    assert SZ_JC not in login("nj-jc").get(reverse("transfer_new")).content.decode()

    # 南京华宁建材 takes 刘洋 on by 人员备案: approval re-attaches the 建材 certificate, 正常 at once.
    liu = Person.objects.get(name="刘洋")
    body = personnel_body(name="刘洋", id_number=liu.id_number)
    response = login("nj-jc").post(reverse("person_new", args=["jc"]), body)
    assert response.status_code == 302, response.content.decode()[:2000]
    filing = Application.objects.get(type="personnel_filing")
    approve_everywhere(login, filing, ["nanjing"])
    liu.refresh_from_db()
    assert liu.institution.name == "南京华宁建材检测有限公司"
    cert = certificate("苏JC-2021-00056")
    assert (cert.status, cert.institution) == (CertificateStatus.NORMAL, liu.institution)


def test_the_id_number_of_a_person_at_an_open_institution_is_still_refused(login):
    liu = Person.objects.get(name="刘洋")
    response = login("nj-jc").post(
        reverse("person_new", args=["jc"]), personnel_body(name="刘洋", id_number=liu.id_number)
    )
    assert response.status_code == 400 and "调入人员请由原机构办理人员变更调离" in response.content.decode()
    assert User.objects.filter(username="sz-jc", is_active=True).exists()


def test_the_province_and_the_institution_see_qualifications_expiring_within_90_days(login):
    from datetime import timedelta

    from django.utils import timezone

    from institutions.models import Qualification

    today = timezone.localdate()
    soon = Qualification.objects.get(institution__name=SZ_JC)
    soon.valid_until = today + timedelta(days=90)
    soon.save()
    later = Qualification.objects.get(institution__name="南京华宁建材检测有限公司")
    later.valid_until = today + timedelta(days=91)
    later.save()
    page = login("province").get(reverse("qualification_expiring")).content.decode()
    table = page[page.index('id="expiring-qualifications"') :]
    assert SZ_JC in table and "90 天后到期" in table and "南京华宁建材检测有限公司" not in table
    home = login("province").get(reverse("home")).content.decode()
    assert 'id="expiring-todo"' in home and SZ_JC in home[home.index('id="expiring-todo"') :]
    assert soon.number in login("sz-jc").get(reverse("home")).content.decode()
    assert SZ_JC not in login("nj-jc").get(reverse("qualification_expiring")).content.decode()
    assert 'id="expiring-todo"' not in login("nj-jc").get(reverse("home")).content.decode()
    soon.valid_until = today - timedelta(days=1)
    soon.save()
    assert "已过期" in login("sz-jc").get(reverse("qualification_expiring")).content.decode()


def test_a_city_sees_its_own_institutions_expiring_qualifications_in_its_menu_and_home(login):
    from datetime import timedelta

    from django.utils import timezone

    from institutions.models import Qualification

    soon = Qualification.objects.get(institution__name=SZ_JC)
    soon.valid_until = timezone.localdate() + timedelta(days=30)
    soon.save()
    suzhou, nanjing = login("suzhou"), login("nanjing")
    for client in (suzhou, nanjing):
        home = client.get(reverse("home")).content.decode()
        menu = home[home.index('class="menu') :] if 'class="menu' in home else home
        assert f'href="{reverse("qualification_expiring")}"' in menu, "cities have the menu entry"
    home = suzhou.get(reverse("home")).content.decode()
    assert 'id="expiring-todo"' in home and SZ_JC in home[home.index('id="expiring-todo"') :]
    assert SZ_JC in suzhou.get(reverse("qualification_expiring")).content.decode()
    assert 'id="expiring-todo"' not in nanjing.get(reverse("home")).content.decode(), "another city's"
    assert SZ_JC not in nanjing.get(reverse("qualification_expiring")).content.decode()
