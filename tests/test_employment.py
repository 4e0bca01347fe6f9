"""从业履历 (personnel.Employment): kept by every effect that moves a person, in its transaction, so that
the one open period is at the person's current institution; backfilled for people already in the system;
read from the legacy file's 入职日期."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from institutions.models import Institution
from personnel.models import Employment, Person
from reviews.models import Application

from .test_forged_filings import personnel_body
from .test_import_legacy import CZ, id_number, person, rejected, run, write_csv
from .workflow import approve_everywhere, walk_transfer

pytestmark = pytest.mark.django_db

NJ_JC, SZ_JC = "南京华宁建材检测有限公司", "苏州建科建材检测有限公司"


def periods(name) -> list[tuple]:
    person = Person.objects.get(name=name)
    return [
        (e.institution.name, e.start, e.end, e.source, e.application_id)
        for e in Employment.objects.filter(person=person).select_related("institution").in_order()
    ]


def assert_open_period_is_at_current_institution():
    for p in Person.objects.filter(institution__isnull=False):
        (current,) = Employment.objects.filter(person=p, end__isnull=True)
        assert current.institution_id == p.institution_id, p.name


def test_the_demo_people_have_one_current_period_each_and_a_second_seed_changes_nothing(demo):
    from django.core.management import call_command

    assert periods("王强") == [(NJ_JC, datetime.date(2018, 6, 1), None, "legacy", None)]
    assert periods("张伟")[0][1] == datetime.date(2019, 6, 1)  # the first certificate's issue
    assert Employment.objects.count() == Person.objects.count() == 8
    before = list(Employment.objects.values_list("pk", "person_id", "institution_id", "start", "end"))
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert list(Employment.objects.values_list("pk", "person_id", "institution_id", "start", "end")) == before


def test_an_approved_transfer_ends_the_period_and_opens_one_at_the_receiver(login):
    transfer = walk_transfer(login, "王强", "nj-jc", "sz-jc", SZ_JC, ["nanjing", "suzhou"])
    today = timezone.localdate()
    assert periods("王强") == [
        (NJ_JC, datetime.date(2018, 6, 1), today, "legacy", None),
        (SZ_JC, today, None, "transfer", transfer.pk),
    ]
    assert_open_period_is_at_current_institution()


def test_a_transfer_not_yet_approved_changes_no_period(login):
    from .workflow import accept, decide, file_transfer

    transfer = file_transfer(login("nj-jc"), "王强", SZ_JC)
    accept(login("sz-jc"), transfer)
    decide(login("nanjing"), transfer)
    decide(login("suzhou"), transfer)
    decide(login("province"), transfer, decision="return", opinion="劳动合同不清晰")
    assert periods("王强") == [(NJ_JC, datetime.date(2018, 6, 1), None, "legacy", None)]


def test_an_approved_filing_of_someone_new_opens_their_first_period(login):
    body = personnel_body(name="周敏", id_number="320104199003070028")
    response = login("nj-jc").post(reverse("person_new", args=["jc"]), body)
    assert response.status_code == 302, response.content.decode()[:2000]
    filing = approve_everywhere(login, Application.objects.get(type="personnel_filing"), ["nanjing"])
    assert periods("周敏") == [(NJ_JC, timezone.localdate(), None, "filing", filing.pk)]


def test_closing_an_institution_keeps_its_people_there_until_another_takes_them_on(login):
    institution = Institution.objects.get(name=SZ_JC)
    response = login("province").post(
        reverse("institution_close", args=[institution.pk]), {"reason": "机构申请注销"}
    )
    assert response.status_code == 302
    assert periods("刘洋") == [(SZ_JC, datetime.date(2021, 6, 1), None, "legacy", None)]

    liu = Person.objects.get(name="刘洋")
    response = login("nj-jc").post(
        reverse("person_new", args=["jc"]), personnel_body(name="刘洋", id_number=liu.id_number)
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    filing = approve_everywhere(login, Application.objects.get(type="personnel_filing"), ["nanjing"])
    today = timezone.localdate()
    assert periods("刘洋") == [
        (SZ_JC, datetime.date(2021, 6, 1), today, "legacy", None),
        (NJ_JC, today, None, "filing", filing.pk),
    ]
    assert_open_period_is_at_current_institution()


def test_the_migration_backfills_periods_from_approved_applications(login):
    transfer = walk_transfer(login, "王强", "nj-jc", "sz-jc", SZ_JC, ["nanjing", "suzhou"])
    Employment.objects.all().delete()  # as before the migration
    backfill = importlib.import_module("personnel.migrations.0004_employment_backfill").backfill
    backfill(apps, None)
    day = timezone.localdate(transfer.closed_at)
    assert periods("王强") == [
        (NJ_JC, None, day, "legacy", None),
        (SZ_JC, day, None, "transfer", transfer.pk),
    ]
    assert periods("孙丽") == [("南京市建设工程质量检测中心", None, None, "legacy", None)]
    assert Employment.objects.count() == Person.objects.count() + 1
    assert_open_period_is_at_current_institution()


def test_the_legacy_file_s_hiring_date_starts_the_imported_period(demo, tmp_path):
    rows = [
        person(
            "钱永刚", id_number("19790103", 15), jc=("苏JC-2015-20003", "2015-06-30"), 入职日期="2012/7/1"
        ),
        person("刘芳", id_number("19871224", 48)),
    ]
    run(write_csv(tmp_path / "people.csv", rows))
    assert periods("钱永刚") == [(CZ["机构名称"], datetime.date(2012, 7, 1), None, "legacy", None)]
    assert periods("刘芳") == [(CZ["机构名称"], None, None, "legacy", None)]


@pytest.mark.parametrize(
    ("hired", "message"),
    [
        ("2099-01-01", "入职日期不能晚于今天"),
        ("1970-01-01", "入职日期早于出生日期"),
        ("去年", "[入职日期] 无法识别的日期“去年”"),
    ],
)
def test_a_bad_hiring_date_imports_nothing(demo, tmp_path, hired, message):
    rows = [person("钱永刚", id_number("19790103", 15), 入职日期=hired)]
    assert message in rejected(write_csv(tmp_path / "people.csv", rows))
    assert not Employment.objects.filter(person__name="钱永刚").exists()
