"""Races: two reviewers at once, two filings at once. Threaded tests need PostgreSQL's row locks."""

import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django_fsm_log.models import StateLog

from certificates.models import Announcement, PostCertificate
from certificates.transfer import file_transfer as file_transfer_action
from institutions.models import Institution, User
from personnel.models import Person
from reviews import actions
from reviews.models import Application, Decision, State

from .workflow import accept, decide, file_transfer


def race(n, fn):
    """Run ``fn(i)`` in ``n`` threads released together; return each outcome (value or exception)."""
    barrier = threading.Barrier(n)
    results = [None] * n

    def run(i):
        try:
            barrier.wait()
            results[i] = fn(i)
        except Exception as e:
            results[i] = e
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.fixture
def at_province(login):
    """王强's transfer approved by both cities, waiting for the province."""
    application = file_transfer(login("nj-jc"), "王强", "苏州建科建材检测有限公司")
    accept(login("sz-jc"), application)
    decide(login("nanjing"), application)
    decide(login("suzhou"), application)
    application.refresh_from_db()
    assert application.state == State.PENDING_PROVINCE
    return application


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_counts_exactly_one_of_two_simultaneous_province_approvals(at_province):
    province = User.objects.get(username="province")
    second = User.objects.create(username="province2", role=User.Role.PROVINCE)
    reviewers = [province, second]
    results = race(2, lambda i: actions.decide(at_province.pk, reviewers[i], "approve", f"同意{i}"))
    assert sum(isinstance(r, Application) for r in results) == 1
    assert sum(isinstance(r, actions.AlreadyHandled) for r in results) == 1
    assert StateLog.objects.filter(object_id=at_province.pk, transition="approve_province").count() == 1
    assert Announcement.objects.filter(application=at_province).count() == 1
    assert (
        PostCertificate.objects.get(number="苏JC-2018-00231").institution.name == "苏州建科建材检测有限公司"
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_counts_one_city_approval_when_a_city_approves_twice_at_once(login):
    application = file_transfer(login("nj-jc"), "王强", "苏州建科建材检测有限公司")
    accept(login("sz-jc"), application)
    nanjing = User.objects.get(username="nanjing")
    results = race(4, lambda i: actions.decide(application.pk, nanjing, "approve", "同意"))
    assert sum(isinstance(r, Application) for r in results) == 1, results
    assert all(isinstance(r, Application | actions.AlreadyHandled) for r in results), results
    assert Decision.objects.filter(application=application).count() == 1
    assert StateLog.objects.filter(object_id=application.pk, transition="approve_city").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_lets_one_of_two_racing_city_decisions_through(login):
    """南京 approves while 苏州 returns. Whichever runs first, the 退回 always counts (南京's 同意 cannot
    move the application on while 苏州 has not approved): it ends 已退回, and 南京's 同意 either counted
    before the return or was refused as already handled."""
    application = file_transfer(login("nj-jc"), "王强", "苏州建科建材检测有限公司")
    accept(login("sz-jc"), application)
    users = [User.objects.get(username="nanjing"), User.objects.get(username="suzhou")]
    decisions = [("approve", "同意"), ("return", "材料不全")]
    approval, returned = race(2, lambda i: actions.decide(application.pk, users[i], *decisions[i]))
    application.refresh_from_db()
    assert isinstance(returned, Application), returned
    assert isinstance(approval, Application | actions.AlreadyHandled), approval
    assert application.state == State.RETURNED
    returns = Decision.objects.filter(application=application, outcome="return")
    assert [d.city.name for d in returns] == ["苏州市"]
    assert Decision.objects.filter(application=application, outcome="approve").count() == (
        1 if isinstance(approval, Application) else 0
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_accepts_one_of_two_simultaneous_filings_for_one_person(demo):
    user = User.objects.get(username="nj-jc")
    person = Person.objects.get(name="王强")
    targets = [
        Institution.objects.get(name=n) for n in ("苏州建科建材检测有限公司", "无锡市建设工程质量检测中心")
    ]
    results = race(2, lambda i: file_transfer_action(user, person, targets[i], {}))
    assert sum(isinstance(r, Application) for r in results) == 1, results
    assert sum(isinstance(r, actions.ApplicationConflict) for r in results) == 1, results
    assert Application.objects.filter(person=person).count() == 1


@pytest.mark.django_db
def test_it_refuses_a_second_open_request_in_the_database(demo):
    """The constraint itself, below every form and action."""
    person = Person.objects.get(name="王强")
    fields = {
        "person": person,
        "institution": person.institution,
        "created_by": User.objects.get(username="nj-jc"),
    }
    Application.objects.create(type="transfer", **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.create(type="transfer", **fields)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_keeps_one_of_two_simultaneous_new_person_filings_for_one_id_number(demo):
    """添加人员 twice for the same ID number, at the same moment, from two app servers (two connections):
    one open filing, and one clear refusal; the province approves the one without trouble."""
    from filings.models import PersonnelFiling
    from filings.personnel_filing import file_personnel

    user = User.objects.get(username="nj-jc")
    id_number = "320104199003070028"

    def filing():
        return PersonnelFiling(name="周敏", id_number=id_number, gender="女", birth_date="1990-03-07")

    results = race(2, lambda i: file_personnel(user, filing(), person=None, kind="JC", scans_by_type={}))
    assert sum(isinstance(r, PersonnelFiling) for r in results) == 1, results
    refused = [r for r in results if isinstance(r, actions.FilingRefused)]
    assert len(refused) == 1, results
    assert "该身份证号已有未办结的人员备案申请。" in str(refused[0])
    assert PersonnelFiling.objects.filter(id_number=id_number).count() == 1
    saved = PersonnelFiling.objects.get(id_number=id_number)
    actions.decide(saved.pk, User.objects.get(username="nanjing"), "approve", "同意")
    actions.decide(saved.pk, User.objects.get(username="province"), "approve", "同意")
    assert Person.objects.filter(id_number=id_number).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_keeps_one_of_two_simultaneous_new_person_filings_from_two_institutions(demo):
    from filings.models import PersonnelFiling
    from filings.personnel_filing import file_personnel

    users = [User.objects.get(username=u) for u in ("nj-jc", "sz-jc")]
    id_number = "320104199003070028"
    results = race(
        2,
        lambda i: file_personnel(
            users[i],
            PersonnelFiling(name="周敏", id_number=id_number, gender="女", birth_date="1990-03-07"),
            person=None,
            kind="JC",
            scans_by_type={},
        ),
    )
    assert sum(isinstance(r, PersonnelFiling) for r in results) == 1, results
    assert sum(isinstance(r, actions.FilingRefused) for r in results) == 1, results
    assert PersonnelFiling.objects.filter(id_number=id_number).count() == 1
