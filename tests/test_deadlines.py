"""办理时限 through HTTP: each step's due date in working days (春节 and its 调休 Saturdays from
chinese-calendar; a year the package does not know falls back and is flagged 暂定; the province's own
table for a year wins), shown as 剩余 / 已超期 on the queues, lists and the request page; the queues
sort overdue first and filter by it; the province changes the limits and the holidays (audited), and
the open rows' due dates move with them."""

import io
import re
from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent, Kind
from certificates.models import Recovery
from institutions.models import City, User
from notices.models import Kind as NoticeKind
from notices.models import Notice, Recipient
from reviews.models import Application, Decision, State
from workdays import calendar

from .workflow import accept, approve_everywhere, decide, file_cancellation, file_reissue, file_transfer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _calendar_of_this_test():
    """The province's tables saved by one test are rolled back after it: forget this process's copy."""
    calendar.forget()
    yield
    calendar.forget()


@pytest.fixture
def today(monkeypatch):
    """today(date(…)) sets the day the system believes it is."""

    def _set(day: date):
        monkeypatch.setattr(calendar, "today", lambda: day)

    _set(date(2026, 11, 30))
    return _set


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return re.sub(r"\s+", " ", response.content.decode())


def row_of(page: str, marker: str) -> str:
    """The table row that contains ``marker``."""
    for row in page.split("<tr")[1:]:
        if marker in row:
            return row.split("</tr>", 1)[0]
    raise AssertionError(f"{marker} not listed")


def reissue_queue(client, **query) -> str:
    return text(client.get(reverse("review_queue", args=["jc", "reissue"]), query))


# --- 春节 and its 调休 Saturdays (2026, from chinese-calendar) ---


def test_a_transfer_filed_before_spring_festival_is_due_after_it_counting_the_make_up_saturdays(login, today):
    # 2026: 春节 off 2/15–2/23; Saturdays 2/14 and 2/28 are working days (调休).
    today(date(2026, 2, 12))
    transfer = file_transfer(login("nj-jc"), "王强", "苏州建科建材检测有限公司")
    assert transfer.state == State.PENDING_RECEIPT
    # 接收: 10 working days after 2/12: 2/13, 2/14 (Sat, 调休), 2/24–2/27, 2/28 (Sat, 调休), 3/2, 3/3, 3/4.
    assert (transfer.step_started_on, transfer.due_on) == (date(2026, 2, 12), date(2026, 3, 4))
    receiver = login("sz-jc")
    assert "剩余 10 个工作日" in row_of(text(receiver.get(reverse("transfer_list"))), f"#{transfer.pk}")

    today(date(2026, 2, 20))  # in the holiday: two working days (2/13, 2/14) gone
    assert "剩余 8 个工作日" in row_of(text(receiver.get(reverse("transfer_list"))), f"#{transfer.pk}")

    today(date(2026, 3, 6))  # 3/5 and 3/6 past the due date
    listing = text(receiver.get(reverse("transfer_list")))
    assert "已超期 2 个工作日" in row_of(listing, f"#{transfer.pk}")
    page = text(receiver.get(reverse("application_detail", args=[transfer.pk])))
    assert "办理期限 2026-03-04" in page and "已超期 2 个工作日" in page
    assert "暂定" not in page

    # 接收 on 3/6 starts 市级审核: 5 working days, each city the same.
    accept(receiver, transfer)
    transfer.refresh_from_db()
    assert (transfer.state, transfer.step_started_on, transfer.due_on) == (
        State.PENDING_CITY,
        date(2026, 3, 6),
        date(2026, 3, 13),
    )
    decide(login("nanjing"), transfer)  # one city approved, the other still reviews: the same due date
    transfer.refresh_from_db()
    assert (transfer.state, transfer.due_on) == (State.PENDING_CITY, date(2026, 3, 13))
    today(date(2026, 3, 10))
    decide(login("suzhou"), transfer)
    transfer.refresh_from_db()
    assert (transfer.state, transfer.step_started_on, transfer.due_on) == (
        State.PENDING_PROVINCE,
        date(2026, 3, 10),
        date(2026, 3, 24),
    )
    decide(login("province"), transfer)
    transfer.refresh_from_db()
    assert (transfer.state, transfer.step_started_on, transfer.due_on) == (State.APPROVED, None, None)


def test_a_return_stops_the_clock_and_a_resubmission_starts_it_again(login, today):
    today(date(2026, 11, 2))
    reissue = file_reissue(login("nj-jc"), ["苏JC-2018-00231"])
    assert reissue.due_on == date(2026, 11, 9)
    decide(login("nanjing"), reissue, decision="return", opinion="登报声明不清晰")
    reissue.refresh_from_db()
    assert (reissue.state, reissue.due_on) == (State.RETURNED, None)
    page = text(login("nj-jc").get(reverse("application_detail", args=[reissue.pk])))
    assert 'id="deadline"' not in page and "工作日" not in page


# --- December: a deadline in a year the package does not know ---


def test_a_deadline_in_2027_falls_back_to_weekends_and_fixed_holidays_and_is_flagged(login, today):
    today(date(2026, 12, 24))
    transfer = file_transfer(login("nj-jc"), "王强", "苏州建科建材检测有限公司")
    # 12/25, 12/28–12/31, then 2027 (unknown to chinese-calendar 1.11.0): 1/1 元旦 off, 1/4–1/8.
    assert transfer.due_on == date(2027, 1, 8)
    listing = text(login("sz-jc").get(reverse("transfer_list")))
    assert "剩余 10 个工作日（暂定）" in row_of(listing, f"#{transfer.pk}")
    assert "2027 年的节假日安排尚未录入" in listing
    page = text(login("sz-jc").get(reverse("application_detail", args=[transfer.pk])))
    assert "办理期限 2027-01-08" in page and "（暂定）" in page and "2027 年的节假日安排尚未录入" in page
    settings_page = text(login("province").get(reverse("deadline_settings")))
    assert "2027" in row_of(settings_page, "暂定：仅按周末及固定日期节日计算")


def test_the_provinces_table_for_2027_wins_and_moves_the_open_due_dates(login, today):
    today(date(2026, 12, 24))
    transfer = file_transfer(login("nj-jc"), "王强", "苏州建科建材检测有限公司")
    assert transfer.due_on == date(2027, 1, 8)
    province = login("province")
    response = province.post(
        reverse("holiday_table", args=[2027]),
        {"holidays": "2027-01-01\n2027-01-04、2027-01-05", "workdays": "2027-01-09"},
    )
    assert response.status_code == 302
    transfer.refresh_from_db()
    # 12/25, 12/28–12/31, 1/6, 1/7, 1/8, 1/9 (Sat, 调休), 1/11.
    assert transfer.due_on == date(2027, 1, 11)
    listing = text(login("sz-jc").get(reverse("transfer_list")))
    assert "剩余 10 个工作日" in row_of(listing, f"#{transfer.pk}")
    assert "暂定" not in listing
    event = AuditEvent.objects.get(kind=Kind.DEADLINES)
    assert (
        event.username == "province"
        and "2027 年节假日安排" in event.detail
        and "1 件期限更新" in event.detail
    )
    settings_page = text(province.get(reverse("deadline_settings")))
    assert "2027" in row_of(settings_page, "省质监总站录入的国务院放假安排")

    # Both emptied: the table goes, 2027 is provisional again and the due date moves back.
    assert (
        province.post(reverse("holiday_table", args=[2027]), {"holidays": "", "workdays": ""}).status_code
        == 302
    )
    transfer.refresh_from_db()
    assert transfer.due_on == date(2027, 1, 8)


def test_a_table_that_cannot_be_right_is_refused_with_the_reason(login, today):
    province = login("province")
    url = reverse("holiday_table", args=[2027])
    cases = [
        ({"holidays": "2027-13-01", "workdays": ""}, "不是日期"),
        ({"holidays": "2026-10-01", "workdays": ""}, "不在 2027 年"),
        ({"holidays": "2027-02-06", "workdays": "2027-02-06"}, "不能既放假又调休上班"),
        ({"holidays": "", "workdays": "2027-02-08"}, "调休上班日应为周六或周日"),
    ]
    for data, message in cases:
        response = province.post(url, data)
        assert response.status_code == 400 and message in response.content.decode(), data
    assert not AuditEvent.objects.filter(kind=Kind.DEADLINES).exists()


# --- The limits ---


def test_the_province_changes_a_limit_and_the_open_due_dates_move(login, today):
    today(date(2026, 11, 30))
    reissue = file_reissue(login("nj-jc"), ["苏JC-2018-00231"])
    assert reissue.due_on == date(2026, 12, 7)  # 市级审核: 5 working days
    province = login("province")
    form = text(province.get(reverse("deadline_settings")))
    assert "市级审核（每个市）" in form and "默认 5 个工作日" in form
    data = {"receipt": 10, "city": 3, "province": 10, "recovery": 10}
    assert province.post(reverse("deadline_limits"), data).status_code == 302
    reissue.refresh_from_db()
    assert reissue.due_on == date(2026, 12, 3)
    event = AuditEvent.objects.get(kind=Kind.DEADLINES)
    assert "市级审核（每个市） 5→3 个工作日" in event.detail and "1 件期限更新" in event.detail
    # A new step started now takes the new limit.
    other = file_reissue(login("nj-dual"), ["苏JC-2019-00012"])
    assert other.due_on == date(2026, 12, 3)

    refused = province.post(reverse("deadline_limits"), {**data, "city": 0})
    assert refused.status_code == 400 and "时限至少为 1 个工作日" in refused.content.decode()
    assert login("nanjing").post(reverse("deadline_limits"), data).status_code == 403
    assert AuditEvent.objects.filter(kind=Kind.DEADLINES).count() == 1


# --- Queues: overdue first, filters, home counts ---


@pytest.fixture
def three_reissues(login, today):
    """In 南京's 人员补证审批 queue on 2026-11-30: overdue (due 11/9), due tomorrow (12/1), due 12/4."""
    filed = {}
    for day, account, number in (
        (date(2026, 11, 27), "nj-dual", "苏JC-2020-00107"),  # due 12/4
        (date(2026, 11, 2), "nj-jc", "苏JC-2018-00231"),  # due 11/9
        (date(2026, 11, 24), "nj-dual", "苏JC-2023-00005"),  # due 12/1
    ):
        today(day)
        filed[day.day] = file_reissue(login(account), [number])
    today(date(2026, 11, 30))
    return filed[2], filed[24], filed[27]


def test_the_queue_lists_overdue_first_then_by_due_date_and_filters(login, three_reissues):
    overdue, soon, later = three_reissues
    nanjing = login("nanjing")
    queue = reissue_queue(nanjing)
    order = [int(n) for n in re.findall(r"<td>#(\d+)</td>", queue)]
    assert order == [overdue.pk, soon.pk, later.pk]
    assert "已超期 15 个工作日" in row_of(queue, f"#{overdue.pk}")
    assert "剩余 1 个工作日" in row_of(queue, f"#{soon.pk}")
    assert "剩余 4 个工作日" in row_of(queue, f"#{later.pk}")
    assert re.findall(r"<td>#(\d+)</td>", reissue_queue(nanjing, due="overdue")) == [str(overdue.pk)]
    assert re.findall(r"<td>#(\d+)</td>", reissue_queue(nanjing, due="soon")) == [str(soon.pk)]
    assert nanjing.get(reverse("review_queue", args=["jc", "reissue"]), {"due": "late"}).status_code == 400
    # The same filter on the database side, for other apps' use.
    assert list(Application.objects.overdue().values_list("pk", flat=True)) == [overdue.pk]
    assert list(Application.objects.due_soon().values_list("pk", flat=True)) == [soon.pk]


def test_the_queue_pages_by_due_date_in_the_same_number_of_queries(
    login, three_reissues, django_assert_max_num_queries
):
    nanjing = login("nanjing")
    url = reverse("review_queue", args=["jc", "reissue"])
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert nanjing.get(url, {"due": "overdue"}).status_code == 200
    with django_assert_max_num_queries(len(ctx.captured_queries)):
        assert nanjing.get(url).status_code == 200


def test_the_home_page_counts_the_overdue_to_dos(login, three_reissues):
    home = text(login("nanjing").get(reverse("home")))
    assert "共 3 件待办，其中 1 件已超期" in re.sub(r"<[^>]+>", "", home)
    assert "已超期 15 个工作日" in home


def test_the_home_counts_are_fresh_on_a_new_day_after_a_new_limit_and_after_an_action(
    login, three_reissues, today
):
    """The counts are kept per organisation and day until the next action: a day passing, the province
    shortening a limit and a decision each show at once."""
    overdue = three_reissues[0]
    nanjing = login("nanjing")

    def totals() -> str:
        home = re.sub(r"<[^>]+>", "", text(nanjing.get(reverse("home"))))
        return re.search(r"共 \d+ 件待办[^。]*", home).group(0)

    assert totals() == "共 3 件待办，其中 1 件已超期"
    today(date(2026, 12, 2))  # the one due on 12/1 is late now
    assert totals() == "共 3 件待办，其中 2 件已超期"
    limits = {"receipt": 10, "city": 1, "province": 10, "recovery": 10}  # 市级审核 5 → 1: all three late
    assert login("province").post(reverse("deadline_limits"), limits).status_code == 302
    assert totals() == "共 3 件待办，其中 3 件已超期"
    decide(nanjing, overdue)
    assert totals() == "共 2 件待办，其中 2 件已超期"


def test_the_settings_pages_take_few_queries(login, django_assert_max_num_queries):
    province = login("province")
    with django_assert_max_num_queries(12):
        assert province.get(reverse("deadline_settings")).status_code == 200
    with django_assert_max_num_queries(12):
        assert province.get(reverse("holiday_table", args=[2027])).status_code == 200


# --- 证书收回 ---


def test_the_institution_has_ten_working_days_to_mail_a_cancelled_certificate_back(login, today):
    today(date(2026, 11, 30))
    cancellation = file_cancellation(login("nj-dual"), ["苏JC-2019-00012"])
    approve_everywhere(login, cancellation, ["nanjing"])
    recovery = Recovery.objects.get(application=cancellation)
    assert (recovery.step_started_on, recovery.due_on) == (date(2026, 11, 30), date(2026, 12, 14))
    today(date(2026, 12, 16))
    nj = login("nj-dual")
    for page in (nj.get(reverse("recovery_list")), login("province").get(reverse("recovery_list"))):
        assert "已超期 2 个工作日" in row_of(text(page), "苏JC-2019-00012")
    listed = text(login("province").get(reverse("recovery_list"), {"due": "overdue"}))
    assert "苏JC-2019-00012" in listed
    assert "苏JC-2019-00012" not in text(login("province").get(reverse("recovery_list"), {"due": "soon"}))
    assert "已超期 2 个工作日" in text(nj.get(reverse("application_detail", args=[cancellation.pk])))
    assert "已超期 2 个工作日" in row_of(text(nj.get(reverse("home"))), "苏JC-2019-00012")

    nj.post(reverse("recovery_mail", args=[recovery.pk]), {"tracking_number": "SF1"})
    recovery.refresh_from_db()
    assert (recovery.state, recovery.due_on) == (Recovery.State.MAILED, None)


def test_a_holiday_table_moves_open_recoveries_too(login, today):
    today(date(2026, 12, 24))
    cancellation = file_cancellation(login("nj-dual"), ["苏JC-2019-00012"])
    approve_everywhere(login, cancellation, ["nanjing"])
    recovery = Recovery.objects.get(application=cancellation)
    assert recovery.due_on == date(2027, 1, 8)
    login("province").post(
        reverse("holiday_table", args=[2027]), {"holidays": "2027-01-01\n2027-01-04", "workdays": ""}
    )
    recovery.refresh_from_db()
    assert recovery.due_on == date(2027, 1, 11)


def test_only_the_provinces_menu_has_the_settings(login):
    assert "办理时限" in text(login("province").get(reverse("home")))
    for account in ("nanjing", "nj-jc"):
        assert reverse("deadline_settings") not in text(login(account).get(reverse("home")))
        assert login(account).get(reverse("deadline_settings")).status_code == 403


# --- 消息: the daily sweep (manage.py notify_deadlines) ---


@pytest.fixture
def sweep(django_capture_on_commit_callbacks):
    """Run the daily command with its messages written (as after its commit)."""

    def _sweep():
        with django_capture_on_commit_callbacks(execute=True):
            call_command("notify_deadlines", stdout=io.StringIO())

    return _sweep


def told_about(prefix: str) -> dict[str, list[str]]:
    """{username: [texts]} of the 办理时限 messages whose event starts with ``prefix``."""
    copies = (
        Recipient.objects.filter(notice__kind=NoticeKind.DEADLINE, notice__once_key__startswith=prefix)
        .select_related("notice", "user")
        .order_by("pk")
    )
    found: dict[str, list[str]] = {}
    for copy in copies:
        found.setdefault(copy.user.username, []).append(copy.notice.text)
    return found


def test_a_request_due_soon_and_then_overdue_is_messaged_once_each(login, today, three_reissues, sweep):
    overdue, soon, later = three_reissues
    for _ in range(2):
        sweep()
    assert told_about(f"application:{overdue.pk}:") == {
        "nanjing": [
            "人员上岗证补办：王强（南京华宁建材检测有限公司）待市级审核，已超期 15 个工作日（办理期限 2026-11-09），请及时办理。"
        ]
    }
    assert told_about(f"application:{soon.pk}:") == {
        "nanjing": [
            f"人员上岗证补办：{soon.subject_name}（南京市建设工程质量检测中心）待市级审核，剩余 1 个工作日（办理期限 2026-12-01），请及时办理。"
        ]
    }
    assert told_about(f"application:{later.pk}:") == {}, "4 working days left: not yet"
    assert Notice.objects.filter(once_key__startswith=f"application:{overdue.pk}:").count() == 1
    # The city's login reads it on its 消息 page; the institutions that filed them are not told.
    assert "已超期 15 个工作日" in text(login("nanjing").get(reverse("notice_list")))
    assert "已超期" not in text(login("nj-jc").get(reverse("notice_list")))

    # Two days on, the one that was due soon is overdue: told once more, once.
    today(date(2026, 12, 2))
    for _ in range(2):
        sweep()
    texts = told_about(f"application:{soon.pk}:")["nanjing"]
    assert len(texts) == 2 and "已超期 1 个工作日" in texts[1]
    assert len(told_about(f"application:{later.pk}:")["nanjing"]) == 1, "due 12/4: 剩余 2"
    assert len(told_about(f"application:{overdue.pk}:")["nanjing"]) == 1


def test_only_whoever_must_act_is_told_at_each_step(login, today, sweep):
    today(date(2026, 11, 2))
    transfer = file_transfer(login("nj-jc"), "王强", "苏州建科建材检测有限公司")  # 接收 due 11/16
    today(date(2026, 11, 17))
    sweep()
    receipt = told_about(f"application:{transfer.pk}:round:1:pending_receipt:")
    assert receipt.keys() == {"sz-jc"}, "the receiving institution only: not the filer, not the cities"
    assert "待接收，已超期 1 个工作日" in receipt["sz-jc"][0]

    accept(login("sz-jc"), transfer)  # 市级审核 due 11/24
    decide(login("nanjing"), transfer)
    today(date(2026, 11, 25))
    sweep()
    sweep()
    city = told_about(f"application:{transfer.pk}:round:1:pending_city:")
    assert city == {
        "suzhou": [
            "人员变更调离：王强（南京华宁建材检测有限公司）待市级审核，已超期 1 个工作日（办理期限 2026-11-24），请及时办理。"
        ]
    }, "南京 has decided this round: only 苏州 is told"

    decide(login("suzhou"), transfer)  # 省级复核 due 12/9
    today(date(2026, 12, 8))
    sweep()
    assert told_about(f"application:{transfer.pk}:round:1:pending_province:").keys() == {"province"}
    assert told_about(f"application:{transfer.pk}:").keys() == {"sz-jc", "suzhou", "province"}
    assert "剩余 1 个工作日" in text(login("province").get(reverse("notice_list")))


def test_an_overdue_recovery_reaches_its_institution_only(login, today, sweep):
    today(date(2026, 11, 30))
    cancellation = file_cancellation(login("nj-dual"), ["苏JC-2019-00012"])
    approve_everywhere(login, cancellation, ["nanjing"])
    recovery = Recovery.objects.get(application=cancellation)  # due 12/14
    today(date(2026, 12, 16))
    sweep()
    sweep()
    found = told_about(f"recovery:{recovery.pk}:")
    assert found.keys() == {"nj-dual"}
    assert found["nj-dual"] == [
        f"{recovery.certificate.holder.name}的建材岗位合格证书（苏JC-2019-00012）待交回，"
        "已超期 2 个工作日（办理期限 2026-12-14），请尽快寄回省质监总站。"
    ]


def test_the_sweep_takes_the_same_queries_for_one_row_as_for_many(login, three_reissues, sweep):
    today_ = calendar.today()
    first = three_reissues[0]
    open_steps = Application.objects.filter(due_on__isnull=False)
    open_steps.update(due_on=date(2027, 6, 30))
    sweep()  # nothing due; the calendar is read
    Application.objects.filter(pk=first.pk).update(due_on=today_)
    with CaptureQueriesContext(connection) as one:
        sweep()
    assert Notice.objects.filter(kind=NoticeKind.DEADLINE).count() == 1

    # Thirty more requests waiting for 南京 and 苏州, one of them decided by 南京, all overdue.
    nanjing, suzhou = first.cities.get(), City.objects.get(name="苏州市")
    for _ in range(30):
        clone = Application.objects.get(pk=first.pk)
        clone.pk = clone.id = None
        clone.person = None
        clone.save()
        clone.cities.set([nanjing, suzhou])
    decided = Application.objects.latest("pk")
    Decision.objects.create(
        application=decided,
        round=decided.round,
        step=Decision.Step.CITY,
        city=nanjing,
        reviewer=User.objects.get(username="nanjing"),
        outcome=Decision.Outcome.APPROVE,
        opinion="同意",
    )
    open_steps.update(due_on=date(2026, 11, 2))
    with CaptureQueriesContext(connection) as many:
        sweep()
    assert Notice.objects.filter(kind=NoticeKind.DEADLINE, organisation=f"city:{suzhou.pk}").count() == 30
    assert not Notice.objects.filter(organisation=f"city:{nanjing.pk}", once_key__contains=f":{decided.pk}:")
    assert len(many.captured_queries) <= len(one.captured_queries), [q["sql"] for q in many.captured_queries]
