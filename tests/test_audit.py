"""安全审计: security events are recorded with who, when, from where and what; the province reads and
exports them; the log cannot be changed (the database refuses it on PostgreSQL) and keeps six months."""

import io
import logging
from datetime import timedelta

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent, Kind
from personnel.models import Person
from reviews.models import Application
from web.logs import JsonFormatter

from . import files
from .test_forged_filings import personnel_body
from .workflow import accept, decide, file_transfer

pytestmark = pytest.mark.django_db

PASSWORD = "Jiance@2026"


def events(kind):
    return list(AuditEvent.objects.filter(kind=kind).order_by("pk"))


def test_it_records_logins_failures_and_logouts_without_the_password(demo):
    client = Client(HTTP_USER_AGENT="审计测试浏览器", REMOTE_ADDR="10.1.2.3")
    client.post(reverse("login"), {"username": "nanjing", "password": "wrong-Password1"})
    client.post(reverse("login"), {"username": "nanjing", "password": PASSWORD})
    client.post(reverse("logout"))
    (failed,) = events(Kind.LOGIN_FAILED)
    assert (failed.username, failed.outcome, failed.address, failed.user_agent) == (
        "nanjing", "failure", "10.1.2.3", "审计测试浏览器",
    )  # fmt: skip
    (login,) = events(Kind.LOGIN)
    assert (login.username, login.role, login.organisation) == ("nanjing", "city", "南京市建设行政主管部门")
    assert events(Kind.LOGOUT)[0].username == "nanjing"
    for event in AuditEvent.objects.all():
        assert "wrong-Password1" not in str(event.__dict__) and PASSWORD not in str(event.__dict__)


def test_it_records_each_decision_with_its_opinion(login):
    application = file_transfer(login("nj-jc"), "王强", "苏州建科建材检测有限公司")
    accept(login("sz-jc"), application)
    decide(login("nanjing"), application, "return", "劳动合同缺页")
    (decision,) = events(Kind.DECISION)
    assert decision.username == "nanjing" and decision.object_id == str(application.pk)
    assert "退回" in decision.detail and "劳动合同缺页" in decision.detail
    assert decision.address == "127.0.0.1"


def test_it_records_refused_access_to_an_object(login):
    other = Person.objects.get(name="刘洋")  # 苏州建科建材
    assert login("nj-jc").get(reverse("person_detail", args=[other.pk])).status_code == 404
    assert login("nanjing").get(reverse("institution_new")).status_code == 403
    refused = events(Kind.ACCESS_REFUSED)
    assert [(e.username, e.detail) for e in refused] == [("nj-jc", "HTTP 404"), ("nanjing", "HTTP 403")]
    assert refused[0].path == reverse("person_detail", args=[other.pk])


def test_it_records_exports_and_prints(login):
    response = login("nj-dual").get(reverse("person_list", args=["jc"]), {"format": "xlsx"})
    assert response.status_code == 200
    (export,) = events(Kind.EXPORT)
    assert export.username == "nj-dual" and "format=xlsx" in export.detail


def test_it_records_every_view_of_an_id_card_scan_and_no_other(login):
    response = login("nj-jc").post(
        reverse("person_new", args=["jc"]),
        personnel_body(id_card=[files.jpeg("身份证.jpg")]),
    )
    assert response.status_code == 302
    filing = Application.objects.get()
    id_card = filing.attachments.get(type="id_card")
    diploma = filing.attachments.get(type="diploma")
    nanjing = login("nanjing")
    assert nanjing.get(reverse("attachment_download", args=[id_card.pk])).status_code == 200
    assert nanjing.get(reverse("attachment_download", args=[diploma.pk])).status_code == 200
    (viewed,) = events(Kind.ID_SCAN_VIEWED)
    assert (viewed.username, viewed.object_id, viewed.detail) == ("nanjing", str(id_card.pk), "身份证正反面")
    assert "320104199003070028" not in str(viewed.__dict__)


def test_it_records_an_account_the_province_opens_and_a_password_change(login):
    province = login("province")
    response = province.post(
        reverse("institution_new"),
        {"name": "扬州恒信检测有限公司", "credit_code": "91321000MA1X000063", "city": 10,
         "username": "yz-new", "password": "Initial#2026"},
    )  # fmt: skip
    assert response.status_code == 302
    (opened,) = events(Kind.ACCOUNT_CHANGED)
    assert opened.username == "province" and "yz-new" in opened.detail
    client = login("yz-new")
    response = client.post(
        reverse("password_change"),
        {"old_password": "Initial#2026", "new_password1": "Changed#2027x", "new_password2": "Changed#2027x"},
    )
    assert response.status_code == 302
    assert events(Kind.PASSWORD_CHANGED)[0].username == "yz-new"


def test_it_shows_and_exports_the_log_to_the_province_only(login):
    login("nanjing").get(reverse("institution_new"))  # one refused access by 南京
    login("nj-jc").get(reverse("institution_new"))  # and one by an institution
    assert login("nanjing").get(reverse("audit_list")).status_code == 403
    province = login("province")
    page = province.get(reverse("audit_list"), {"username": "nanjing"}).content.decode()
    assert "拒绝访问" in page and "南京市建设行政主管部门" in page and "nj-jc" not in page
    response = province.get(reverse("audit_list"), {"kind": "access_refused", "format": "xlsx"})
    rows = list(openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)
    assert rows[0][:4] == ("时间", "事件", "结果", "用户名")
    assert sorted(r[3] for r in rows[1:]) == ["nanjing", "nanjing", "nj-jc"]  # 南京 was refused /audit/ too
    assert province.get(reverse("audit_list"), {"date_from": "not-a-date"}).status_code == 400


def old_event(days):
    event = AuditEvent.objects.create(kind=Kind.LOGIN, username="old")
    with connection.cursor() as cursor:  # only a test may set a past time: the trigger allows no UPDATE
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_append_only")
        cursor.execute(
            "UPDATE audit_auditevent SET at = %s WHERE id = %s",
            [timezone.now() - timedelta(days=days), event.pk],
        )
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_append_only")
    return event


def test_it_purges_only_rows_older_than_the_retention(demo):
    old, young = old_event(200), old_event(100)
    with pytest.raises(CommandError, match="至少保存 184 天"):
        call_command("purge_audit", "--days", "30")
    call_command("purge_audit", stdout=io.StringIO())
    assert list(AuditEvent.objects.filter(username="old").values_list("pk", flat=True)) == [young.pk]
    assert not AuditEvent.objects.filter(pk=old.pk).exists()


@pytest.mark.postgres
def test_it_cannot_change_or_delete_a_recent_row_in_the_database(demo):
    event = AuditEvent.objects.create(kind=Kind.LOGIN, username="nanjing")
    with pytest.raises(DatabaseError, match="不可修改或删除"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(username="someone-else")
    with pytest.raises(DatabaseError, match="不可修改或删除"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).username == "nanjing"


def test_it_never_keeps_a_full_id_number_in_an_audit_row_or_a_log_line(login, caplog):
    """What a clerk does with a 身份证号 — search by it, file it (on file elsewhere: the refused probe is
    audited), open the person, a forged search link — leaves its audit rows and logs with a masked one."""
    chen = Person.objects.get(name="陈静")
    wang = Person.objects.get(name="王强")
    client = login("nj-jc")
    caplog.set_level(logging.DEBUG)
    client.post(reverse("person_list", args=["jc"]), {"q": wang.id_number})
    client.get(reverse("person_list", args=["jc"]), {"id": wang.id_number})  # an ID in a forged URL
    client.get(reverse("person_detail", args=[wang.pk]))
    response = client.post(reverse("person_new", args=["jc"]), personnel_body(id_number=chen.id_number))
    assert response.status_code == 400
    client.get(reverse("person_detail", args=[chen.pk]))  # another institution's person: refused, audited
    assert events(Kind.ACCESS_REFUSED) and AuditEvent.objects.filter(detail__contains="身份证号").exists()
    rows = [str(list(row.values())) for row in AuditEvent.objects.values()]
    lines = [JsonFormatter().format(record) for record in caplog.records]
    for number in (chen.id_number, wang.id_number):
        assert not [row for row in rows if number in row]
        assert not [line for line in lines if number in line]
