"""信用记录 → 复核 → 信用评价 → 信用公示, and 申诉, through HTTP as the demo roles would."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_fsm_log.models import StateLog

from audit.models import AuditEvent
from credit.models import Appeal, Category, CreditRecord, CreditScore, Rule
from institutions.models import Institution

from . import files
from .workflow import decide, record_credit

NJ_JC = "南京华宁建材检测有限公司"  # nj-jc, 南京
SZ_JC = "苏州建科建材检测有限公司"  # sz-jc, 苏州


def category(name="出具虚假检测报告") -> Category:
    return Category.objects.get(name=name)


def record(client, *, institution=NJ_JC, person=None, name="出具虚假检测报告", expect=302, **extra):
    return record_credit(
        client,
        institution=None if person else institution,
        person=person,
        category=name,
        expect=expect,
        **extra,
    )


def score_of(institution=NJ_JC) -> CreditScore:
    return CreditScore.objects.for_year().get(institution__name=institution)


def public_list(client):
    return client.get(reverse("credit_public_list"), {"q": "南京华宁"}).content.decode()


def test_it_takes_a_citys_bad_record_through_the_provinces_review_to_the_grade_and_the_public_list(
    login, client
):
    credit_record = record(login("nanjing"))
    assert credit_record.state == "pending_province"
    assert credit_record.effective_on is None
    assert "出具虚假检测报告" not in public_list(client)  # not in effect before 复核

    decide(login("province"), credit_record, opinion="事实清楚，同意。")

    credit_record.refresh_from_db()
    assert credit_record.state == "approved"
    assert credit_record.effective_on == timezone.localdate()
    assert credit_record.in_force_until > timezone.localdate() + timedelta(days=3 * 365 - 3)
    score = score_of()
    assert (score.score, score.grade) == (70, "B")  # 100 − 30: B from 70
    assert [line["points"] for line in score.lines] == [-30]
    page = public_list(client)
    assert "出具虚假检测报告" in page and ">B<" in page
    assert CreditScore.objects.institutions_by_grade() == {"B": 1}
    # The institution sees it, its score explained line by line.
    listing = login("nj-jc").get(reverse("credit_record_list")).content.decode()
    assert f'data-record="{credit_record.pk}"' in listing and "70" in listing
    detail = login("nj-jc").get(reverse("credit_score_detail", args=[score.pk])).content.decode()
    assert "出具虚假检测报告" in detail and "-30" in detail


def test_it_lets_the_province_record_with_immediate_effect(login):
    credit_record = record(login("province"), name="表彰奖励", institution=SZ_JC)
    assert credit_record.state == "approved"
    assert credit_record.decisions.get().step == "province"
    assert score_of(SZ_JC).score == 105
    assert score_of(SZ_JC).grade == "AA"


def test_it_restores_the_grade_when_an_objection_is_upheld(login, client):
    credit_record = record(login("province"))
    assert score_of().grade == "B"
    nj_jc = login("nj-jc")
    home = nj_jc.get(reverse("home")).content.decode()
    assert f'data-record="{credit_record.pk}"' in home  # told: on its home until it objects
    page = nj_jc.get(reverse("application_detail", args=[credit_record.pk])).content.decode()
    assert 'id="appeal-link"' in page
    response = nj_jc.post(
        reverse("credit_appeal_new", args=[credit_record.pk]),
        {"reason": "报告系他人冒用本机构名义出具", "appeal_material": [files.pdf("说明.pdf")]},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    appeal = Appeal.objects.get(record=credit_record)
    assert appeal.state == "pending_province"  # no city reviews a 申诉
    assert f'data-record="{credit_record.pk}"' not in nj_jc.get(reverse("home")).content.decode()

    decide(login("province"), appeal, opinion="经核实，申诉成立。")

    credit_record.refresh_from_db()
    assert credit_record.revoked_at is not None and credit_record.state == "approved"
    assert (score_of().score, score_of().grade) == (100, "AA")
    assert "出具虚假检测报告" not in public_list(client)
    # Both stay visible in the record's history.
    page = login("nanjing").get(reverse("application_detail", args=[credit_record.pk])).content.decode()
    assert "已撤销" in page and f"信用申诉 #{appeal.pk}" in page and "申诉成立" in page
    assert "100 分，AA 级" in page
    assert StateLog.objects.filter(object_id=appeal.pk, transition="approve_province").exists()


def test_it_keeps_the_record_when_the_objection_is_not_upheld(login):
    credit_record = record(login("province"))
    response = login("nj-jc").post(
        reverse("credit_appeal_new", args=[credit_record.pk]),
        {"reason": "不服", "appeal_material": [files.pdf("说明.pdf")]},
    )
    assert response.status_code == 302
    appeal = Appeal.objects.get(record=credit_record)
    decide(login("province"), appeal, decision="return", opinion="证据不足，不予支持。")
    appeal.refresh_from_db()
    assert appeal.state == "returned"
    credit_record.refresh_from_db()
    assert credit_record.revoked_at is None and score_of().grade == "B"


def test_it_takes_an_expired_record_off_the_public_list_and_the_score(login, client):
    credit_record = record(login("province"))
    assert "出具虚假检测报告" in public_list(client)
    CreditRecord.objects.filter(pk=credit_record.pk).update(
        in_force_until=timezone.localdate() - timedelta(days=1)
    )
    assert "出具虚假检测报告" not in public_list(client)  # by date, before any job runs
    assert score_of().grade == "B"  # the stored score waits for the daily recompute
    call_command("recompute_credit", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert (score_of().score, score_of().grade) == (100, "AA")
    page = login("nj-jc").get(reverse("credit_record_list")).content.decode()
    assert "已过期" in page  # it stays in the file


def test_it_records_a_persons_conduct_by_certificate_number_and_shows_it_publicly_without_an_id_number(
    login, client
):
    credit_record = record(login("nanjing"), person=("苏JC-2018-00231", "王强"), name="无证上岗")
    decide(login("province"), credit_record)
    credit_record.refresh_from_db()
    assert credit_record.person_about.name == "王强" and credit_record.institution.name == NJ_JC
    person_score = CreditScore.objects.for_year().get(person=credit_record.person_about)
    assert (person_score.score, person_score.grade) == (90, "A")
    call_command("recompute_credit", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert score_of().score == 100  # a person's record is not the institution's own
    response = client.get(reverse("credit_public_person"), {"number": "苏JC-2018-00231", "name": "王强"})
    page = response.content.decode()
    assert "无证上岗" in page and "王*" in page and NJ_JC in page
    result = page[page.index('id="person-result"') :]
    assert credit_record.person_about.id_number not in page
    assert "王强" not in result
    # The person's 信用档案 reads the same records through the queryset.
    visible = CreditRecord.objects.in_force_for_person(credit_record.person_about, login_user("nj-jc"))
    assert list(visible) == [credit_record]
    assert not CreditRecord.objects.in_force_for_person(
        credit_record.person_about, login_user("sz-jc")
    ).exists()


def login_user(username):
    from institutions.models import User

    return User.objects.get(username=username)


def test_it_refuses_a_city_recording_outside_its_city(login):
    response = record(login("suzhou"), expect=400)
    assert '<a href="#id_institution">检测机构</a>' in response.content.decode()
    assert not CreditRecord.objects.exists()


def test_it_refuses_institutions_recording(login):
    response = login("nj-jc").get(reverse("credit_record_new"))
    assert response.status_code == 403


def test_it_returns_a_citys_record_to_the_city_which_corrects_it(login):
    credit_record = record(login("nanjing"))
    decide(login("province"), credit_record, decision="return", opinion="请补充检查记录原件。")
    credit_record.refresh_from_db()
    assert credit_record.state == "returned"
    # The institution concerned is not the filer: it neither withdraws nor corrects the city's record.
    assert login("nj-jc").post(reverse("application_withdraw", args=[credit_record.pk])).status_code == 404
    assert login("nj-jc").post(reverse("application_resubmit", args=[credit_record.pk])).status_code == 404
    menu = login("nanjing").get(reverse("credit_record_list")).content.decode()
    assert '<span>信用记录</span><span class="count" title="待办">1</span>' in menu  # back with the city
    response = login("nanjing").post(
        reverse("application_resubmit", args=[credit_record.pk]), {"credit_evidence": [files.pdf("原件.pdf")]}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    credit_record.refresh_from_db()
    assert credit_record.state == "pending_province" and credit_record.round == 2


def test_it_audits_every_change_of_the_catalogue_and_the_rule(login):
    province = login("province")
    falsified = category()
    response = province.post(
        reverse("credit_category_edit", args=[falsified.pk]),
        {
            "name": falsified.name,
            "nature": "bad",
            "default_points": 40,
            "default_years": 3,
            "position": 1,
            "active": "on",
        },
    )
    assert response.status_code == 302
    assert category().default_points == 40
    event = AuditEvent.objects.get(kind="credit_settings")
    assert "默认分值：30 → 40" in event.detail

    record(province)  # 100 − 30 = 70: B
    rule = {"base": 100, "floor": 0, "ceiling": 110, "grade_aa": 100, "grade_a": 85, "grade_b": 60}
    response = province.post(reverse("credit_rule"), rule)
    assert response.status_code == 302
    assert Rule.current().grade_b == 60
    assert score_of().grade == "B"
    response = province.post(reverse("credit_rule"), {**rule, "grade_b": 75})
    assert score_of().grade == "C"  # recomputed with the new thresholds at once
    assert AuditEvent.objects.filter(kind="credit_settings").count() == 3
    refused = province.post(reverse("credit_rule"), {**rule, "grade_a": 50})
    assert refused.status_code == 400 and "AA &gt; A &gt; B" in refused.content.decode()


@pytest.mark.parametrize("username", ["nanjing", "nj-jc"])
def test_it_keeps_the_catalogue_and_rule_to_the_province(login, username):
    for url in (reverse("credit_category_list"), reverse("credit_rule"), reverse("credit_category_new")):
        assert login(username).get(url).status_code == 403


def test_it_exports_the_records_and_the_ranking(login):
    record(login("province"))
    call_command("recompute_credit", stdout=open("/dev/null", "w"))  # noqa: SIM115
    for name in ("credit_record_list", "credit_ranking"):
        response = login("province").get(reverse(name), {"format": "xlsx"})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_it_ranks_a_citys_own_institutions_only(login):
    call_command("recompute_credit", stdout=open("/dev/null", "w"))  # noqa: SIM115
    page = login("nanjing").get(reverse("credit_ranking")).content.decode()
    assert NJ_JC in page and SZ_JC not in page
    page = login("province").get(reverse("credit_ranking"), {"kind": "DJ"}).content.decode()
    assert "苏州岩土地基检测有限公司" in page and SZ_JC not in page


def test_it_shows_the_institution_a_citys_record_only_once_confirmed(login):
    credit_record = record(login("nanjing"))
    nj_jc = login("nj-jc")
    assert nj_jc.get(reverse("application_detail", args=[credit_record.pk])).status_code == 404
    assert (
        f'data-record="{credit_record.pk}"' not in nj_jc.get(reverse("credit_record_list")).content.decode()
    )
    decide(login("province"), credit_record)
    assert nj_jc.get(reverse("application_detail", args=[credit_record.pk])).status_code == 200
    assert f'data-record="{credit_record.pk}"' in nj_jc.get(reverse("credit_record_list")).content.decode()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_counts_both_of_two_records_taking_effect_at_once(demo):
    from credit.recording import record_conduct

    from .test_concurrency import race

    province = login_user("province")
    nj_jc = Institution.objects.get(name=NJ_JC)

    def file(i):
        credit_record = CreditRecord(
            institution=nj_jc,
            category=category(),
            points=30,
            years=1,
            conduct_date=timezone.localdate(),
            description=f"第{i}份虚假报告",
        )
        return record_conduct(province, credit_record, {})

    results = race(2, file)
    assert all(isinstance(r, CreditRecord) for r in results), results
    score = score_of()
    assert (score.score, score.grade, len(score.lines)) == (40, "C", 2)
