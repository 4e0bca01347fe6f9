"""统计分析: every chart's numbers, as the province and a city see them on the page and in the .xlsx,
equal a direct count of the records; scope, refresh through the job worker, constant queries."""

import io
import re
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_fsm_log.models import StateLog
from openpyxl import load_workbook

from certificates.models import CertificateStatus, PostCertificate, Recovery
from institutions.models import City, Institution, Kind, User
from reviews import processes
from reviews.models import Application, Decision, State
from stats.charts import CHARTS
from stats.models import Figure, StepTime
from stats.queries import month_keys

from . import workflow

pytestmark = pytest.mark.django_db

CITY_NAMES = ["南京市", "无锡市", "徐州市", "常州市", "苏州市", "南通市", "连云港市", "淮安市", "盐城市", "扬州市",
              "镇江市", "泰州市", "宿迁市"]  # fmt: skip
LATE_STEPS = [State.PENDING_RECEIPT, State.PENDING_CITY, State.PENDING_PROVINCE]
STEPS = {"待调入机构接收": State.PENDING_RECEIPT, "待市级审核": State.PENDING_CITY,
         "待省级复核": State.PENDING_PROVINCE, "已退回待更正": State.RETURNED}  # fmt: skip


def refresh():
    call_command("refresh_stats", "--now", stdout=io.StringIO())


@pytest.fixture
def world(login):
    """Applications in every waiting step and some decided ones, across 南京, 苏州 and 无锡, with their
    history spread over days (so that step durations differ), then a refresh."""
    # 王强 南京华宁 → 苏州建科: 待接收 (南京 and 苏州 involved).
    workflow.file_transfer(login("nj-jc"), "王强", "苏州建科建材检测有限公司")
    # 刘洋 苏州建科 → 无锡中心: accepted, 苏州 approved, waiting for 无锡 only.
    moving = workflow.file_transfer(login("sz-jc"), "刘洋", "无锡市建设工程质量检测中心")
    workflow.accept(login("wx-dual"), moving)
    workflow.decide(login("suzhou"), moving)
    # 陈静 无锡中心 → 苏州建科: approved everywhere.
    workflow.walk_transfer(login, "陈静", "wx-dual", "sz-jc", "苏州建科建材检测有限公司", ["wuxi", "suzhou"])
    # 张伟's 建材 certificate reissued: waiting for 南京; 李娜's returned by 南京; 赵磊's at the province.
    workflow.file_reissue(login("nj-dual"), ["苏JC-2019-00012"])
    returned = workflow.file_reissue(login("nj-dual"), ["苏JC-2020-00107"])
    workflow.decide(login("nanjing"), returned, decision="return", opinion="登报声明不清晰，请重新上传。")
    at_province = workflow.file_reissue(login("wx-dual"), ["苏JC-2016-00421"])
    workflow.decide(login("wuxi"), at_province)
    # 杨帆's 地基 certificate cancelled (苏州).
    cancelled = workflow.file_cancellation(login("sz-dj"), ["苏DJ-2022-00078"])
    workflow.approve_everywhere(login, cancelled, ["suzhou"])
    spread_history()
    refresh()


def spread_history():
    """Each application's history one step every 1.5 days (its own offset), each decision a minute
    before the transition it caused."""
    content_type = ContentType.objects.get_for_model(Application)
    start = timezone.now() - timedelta(days=40)
    for n, application in enumerate(Application.objects.order_by("pk")):
        logs = list(
            StateLog.objects.filter(content_type=content_type, object_id=application.pk).order_by("pk")
        )
        for i, log in enumerate(logs):
            log.timestamp = start + timedelta(days=n * 0.25 + i * 1.5 + (i * i) * 0.1)
            StateLog.objects.filter(pk=log.pk).update(timestamp=log.timestamp)
        deciding = [log for log in logs if log.transition.startswith(("approve_", "return_"))]
        decisions = Decision.objects.filter(application=application).order_by("pk")
        for decision, log in zip(decisions, deciding, strict=True):
            Decision.objects.filter(pk=decision.pk).update(decided_at=log.timestamp - timedelta(minutes=1))


# --- reading the page ------------------------------------------------------------------------------


def number(text: str):
    text = text.strip()
    return None if text == "—" else float(text.replace(",", ""))


def table(html: str, slug: str) -> dict[str, list]:
    """{row label: [numbers…]} of one chart's table on the page (合计 included where shown)."""
    section = re.search(rf'<section class="chart-panel" id="chart-{slug}">(.*?)</section>', html, re.S)
    assert section, f"no chart {slug}"
    assert "<svg" in section.group(1)
    body = re.search(r"<tbody>(.*?)</tbody>", section.group(1), re.S).group(1)
    rows = re.findall(r"<tr(?: class=\"whole\")?><th>(.*?)</th>(.*?)</tr>", body, re.S)
    return {label: [number(cell) for cell in re.findall(r"<td>(.*?)</td>", cells)] for label, cells in rows}


def headers(html: str, slug: str) -> list[str]:
    section = re.search(rf'<section class="chart-panel" id="chart-{slug}">(.*?)</section>', html, re.S)
    return re.findall(r"<th>(.*?)</th>", re.search(r"<thead>(.*?)</thead>", section.group(1), re.S).group(1))


def page(client) -> str:
    response = client.get(reverse("stats_dashboard"))
    assert response.status_code == 200
    return response.content.decode()


def city(name: str) -> City:
    return City.objects.get(name=name)


# --- the direct counts -------------------------------------------------------------------------------


def involving(name: str):
    return Application.objects.filter(cities=city(name))


def test_requests_per_month_are_the_filed_applications_of_each_month_and_type(world, login):
    types = [p.type for p in processes.all_processes()]
    assert headers(page(login("province")), "requests") == [
        "月份",
        *(p.label for p in processes.all_processes()),
        "合计",
    ]
    for client, applications in (
        (login("province"), Application.objects.all()),
        (login("nanjing"), involving("南京市")),
    ):
        shown = table(page(client), "requests")
        assert list(shown) == month_keys()
        filed = [a for a in applications.exclude(state=State.DRAFT)]
        for month in month_keys():
            in_month = [a for a in filed if f"{timezone.localtime(a.created_at):%Y-%m}" == month]
            expected = [sum(a.type == t for a in in_month) for t in types]
            assert shown[month] == [*expected, len(in_month)]
    assert table(page(login("province")), "requests")[month_keys()[-1]][-1] == 7  # all filed this month


def test_waiting_now_counts_each_step_per_city_and_the_province_once_per_application(world, login):
    shown = table(page(login("province")), "waiting")
    assert list(shown) == [*CITY_NAMES, "全省"]
    for name in CITY_NAMES:
        reviewer = User.objects.get(role="city", city__name=name)
        expected = [
            Application.objects.waiting_for(reviewer).count()
            if state == State.PENDING_CITY
            else involving(name).filter(state=state).count()
            for state in STEPS.values()
        ]
        assert shown[name] == [*expected, sum(expected)], name
    whole = [Application.objects.filter(state=state).count() for state in STEPS.values()]
    assert shown["全省"] == [*whole, sum(whole)]
    # 刘洋's transfer waits for 无锡 only (苏州 has approved); 王强's is with 苏州建科, for both cities' tables.
    assert shown["苏州市"][:4] == [1, 0, 0, 0] and shown["无锡市"][:4] == [0, 1, 1, 0]
    assert shown["南京市"][:4] == [1, 1, 0, 1] and whole == [1, 2, 1, 1]


def test_overdue_counts_each_late_step_per_city_and_the_province_once(world, login):
    past = timezone.localdate() - timedelta(days=30)
    keep = Application.objects.get(subject_name="张伟", state=State.PENDING_CITY)  # still in time
    Application.objects.filter(due_on__isnull=False).exclude(pk=keep.pk).update(due_on=past)
    Recovery.objects.filter(state=Recovery.State.PENDING).update(due_on=past)
    refresh()
    html = page(login("province"))
    assert headers(html, "overdue") == [
        "市",
        "待接收",
        "待市级审核",
        "待省级复核",
        "证书收回（待交回）",
        "合计",
    ]
    shown = table(html, "overdue")
    assert list(shown) == [*CITY_NAMES, "全省"]
    for name in CITY_NAMES:
        reviewer = User.objects.get(role="city", city__name=name)
        expected = [
            Application.objects.waiting_for(reviewer).overdue().count()
            if state == State.PENDING_CITY
            else involving(name).filter(state=state).overdue().count()
            for state in LATE_STEPS
        ]
        expected.append(
            Recovery.objects.visible_to(reviewer).filter(state=Recovery.State.PENDING).overdue().count()
        )
        assert shown[name] == [*expected, sum(expected)], name
    whole = [Application.objects.filter(state=state).overdue().count() for state in LATE_STEPS]
    whole.append(Recovery.objects.filter(state=Recovery.State.PENDING).overdue().count())
    assert shown["全省"] == [*whole, sum(whole)]
    # 王强's transfer is late with 苏州建科 (南京 and 苏州); 刘洋's with 无锡 only (苏州 approved); 赵磊's at
    # the province (无锡); 杨帆's paper not mailed back (苏州); 张伟's reissue is still in time.
    assert whole == [1, 1, 1, 1]
    assert shown["苏州市"][:4] == [1, 0, 0, 1] and shown["无锡市"][:4] == [0, 1, 1, 0]
    assert shown["南京市"][:4] == [1, 0, 0, 0]
    assert table(page(login("wuxi")), "overdue") == {"无锡市": shown["无锡市"]}


def percentile(values: list[float], fraction: float) -> float:
    """percentile_cont, by hand."""
    values = sorted(values)
    h = fraction * (len(values) - 1)
    low = int(h)
    if low + 1 >= len(values):
        return values[low]
    return values[low] + (h - low) * (values[low + 1] - values[low])


def step_days() -> list[tuple[Decision, float]]:
    """Each decision with the days since its application entered the step it decides, from the history."""
    content_type = ContentType.objects.get_for_model(Application)
    timed = []
    for decision in Decision.objects.select_related("application"):
        state = State.PENDING_CITY if decision.step == Decision.Step.CITY else State.PENDING_PROVINCE
        entered = [
            log.timestamp
            for log in StateLog.objects.filter(content_type=content_type, object_id=decision.application_id)
            if log.state == state and log.source_state != state and log.timestamp <= decision.decided_at
        ]
        timed.append((decision, (decision.decided_at - max(entered)).total_seconds() / 86400))
    return timed


def test_step_durations_are_the_median_and_90th_percentile_of_each_citys_decisions(world, login):
    timed = step_days()
    assert len(timed) == 8 and len({round(days, 3) for _, days in timed}) > 3

    def figures(decisions):
        city_days = [d for decision, d in decisions if decision.step == Decision.Step.CITY]
        province_days = [d for decision, d in decisions if decision.step == Decision.Step.PROVINCE]
        out = []
        for days in (city_days, province_days):
            out += (
                [round(percentile(days, 0.5), 1), round(percentile(days, 0.9), 1)] if days else [None, None]
            )
        return [*out, len(city_days) or None, len(province_days) or None]

    shown = table(page(login("province")), "durations")
    assert headers(page(login("province")), "durations")[1:] == [
        "市级审核中位数", "市级审核90%分位", "省级复核中位数", "省级复核90%分位", "市级审核结论数", "省级复核结论数",
    ]  # fmt: skip
    for name in CITY_NAMES:
        mine = [
            (decision, d)
            for decision, d in timed
            if (decision.step == Decision.Step.CITY and decision.city.name == name)
            or (
                decision.step == Decision.Step.PROVINCE
                and decision.application.cities.filter(name=name).exists()
            )
        ]
        assert shown[name] == figures(mine), name
    assert shown["全省"] == figures(timed)
    assert table(page(login("suzhou")), "durations") == {"苏州市": shown["苏州市"]}


def test_certificates_are_counted_per_kind_and_status_by_their_holders_city(world, login):
    columns = [(kind, status) for kind in (Kind.JC, Kind.DJ) for status in CertificateStatus]
    shown = table(page(login("province")), "certificates")
    for name in CITY_NAMES:
        expected = [
            PostCertificate.objects.filter(holder__institution__city__name=name, kind=k, status=s).count()
            for k, s in columns
        ]
        assert shown[name] == [*expected, sum(expected)], name
    whole = [PostCertificate.objects.filter(kind=k, status=s).count() for k, s in columns]
    assert shown["全省"] == [*whole, sum(whole)]
    assert shown["苏州市"][columns.index((Kind.DJ, CertificateStatus.CANCELLED))] == 1  # 杨帆's


# --- scope, export, freshness, cost -------------------------------------------------------------------


def test_a_city_sees_only_its_own_figures(world, login):
    province = page(login("province"))
    html = page(login("nanjing"))
    assert "统计分析（南京市）" in html
    for slug in ("waiting", "overdue", "durations", "certificates"):
        assert table(html, slug) == {"南京市": table(province, slug)["南京市"]}
    assert table(html, "requests") != table(province, "requests")
    assert "苏州市" not in html and all(
        "全省" not in table(html, slug) for slug in ("waiting", "overdue", "certificates")
    )


def test_an_institution_has_no_dashboard(world, login):
    client = login("nj-dual")
    assert client.get(reverse("stats_dashboard")).status_code == 403
    assert client.get(reverse("stats_export", args=["waiting"])).status_code == 403
    home = client.get(reverse("home")).content.decode()
    assert "统计分析" not in home and "chart-panel" not in home


def test_the_home_pages_of_the_province_and_a_city_show_the_dashboard_below_the_to_dos(world, login):
    for username, scope in (("province", "全省"), ("suzhou", "苏州市")):
        html = login(username).get(reverse("home")).content.decode()
        assert html.index("待办事项") < html.index(f"统计分析（{scope}）")
        assert html.count('<svg class="chart"') == len(CHARTS) and "数据更新于" in html


def rows_of(response) -> list[list]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    body = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(body), read_only=True).active
    return [list(r) for r in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("slug", ["requests", "waiting", "overdue", "durations", "certificates", "grades"])
@pytest.mark.parametrize("username", ["province", "wuxi"])
def test_each_chart_exports_its_table(world, login, slug, username):
    client = login(username)
    rows = rows_of(client.get(reverse("stats_export", args=[slug])))
    html = page(client)
    assert rows[0] == headers(html, slug)
    shown = table(html, slug)
    assert {r[0]: [None if v == "" else v for v in r[1:]] for r in rows[1:]} == shown


def test_an_unknown_chart_is_not_found(login, demo):
    assert login("province").get(reverse("stats_export", args=["ratings"])).status_code == 404


def test_figures_come_from_the_last_refresh_until_the_next(world, login):
    workflow.file_transfer(login("nj-dual"), "孙丽", "苏州建科建材检测有限公司")
    assert table(page(login("province")), "waiting")["全省"][0] == 1
    refresh()
    assert table(page(login("province")), "waiting")["全省"][0] == 2


def work():
    """The job worker, run in this process (see tests/test_jobs.py)."""
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def test_a_view_without_figures_asks_the_worker_for_them_once(login, demo):
    from django_tasks_db.models import DBTaskResult

    html = page(login("province"))
    assert "统计数据正在生成" in html
    page(login("xuzhou"))
    assert DBTaskResult.objects.count() == 1
    work()
    assert Figure.objects.exists()
    html = page(login("province"))
    assert "数据更新于" in html and table(html, "certificates")["全省"][-1] == PostCertificate.objects.count()


def test_the_timer_command_queues_a_refresh_for_the_worker(demo):
    from django_tasks_db.models import DBTaskResult

    call_command("refresh_stats", stdout=io.StringIO())
    assert DBTaskResult.objects.count() == 1 and not Figure.objects.exists()
    work()
    assert Figure.objects.filter(chart="certificates", city__isnull=True).exists()


def test_a_decision_is_timed_once(world):
    assert StepTime.objects.count() == Decision.objects.count() == 8
    timed = dict(StepTime.objects.values_list("decision_id", "days"))
    refresh()
    assert dict(StepTime.objects.values_list("decision_id", "days")) == timed


def queries(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_dashboard_costs_the_same_queries_whatever_the_volume(login, demo):
    def measured():
        # Fresh logins: logging in ends the user's other sessions (SESSION_SINGLE).
        clients = (login("province"), login("nanjing"))
        return [queries(c, reverse(name)) for c in clients for name in ("stats_dashboard", "home")]

    refresh()
    before = measured()
    workflow.walk_transfer(login, "陈静", "wx-dual", "sz-jc", "苏州建科建材检测有限公司", ["wuxi", "suzhou"])
    workflow.file_transfer(login("nj-jc"), "王强", "苏州建科建材检测有限公司")
    refresh()
    assert measured() == before
    assert before[0] <= 8, before


def test_institutions_are_counted_per_grade_of_the_year_by_their_city(world, login):
    """南京华宁 drops to B on a confirmed 不良 record; every other standing institution is at the base
    grade (AA) whether or not its score was computed; a closed institution is not counted."""
    from credit.models import CreditScore

    in_effect = workflow.record_credit(login("province"), institution="南京华宁建材检测有限公司")
    assert in_effect.state == "approved"
    refresh()
    shown = table(page(login("province")), "grades")
    assert headers(page(login("province")), "grades")[1:5] == ["AA级", "A级", "B级", "C级"]
    for name in CITY_NAMES:
        standing = Institution.objects.filter(city__name=name).exclude(status="cancelled")
        scored = {
            s.institution_id: s.grade for s in CreditScore.objects.for_year().filter(institution__in=standing)
        }
        expected = [sum(1 for i in standing if scored.get(i.pk, "AA") == g) for g in ("AA", "A", "B", "C")]
        assert shown[name] == [*expected, sum(expected)], name
    assert shown["南京市"][2] == 1  # 南京华宁 at B
    assert shown["全省"][4] == Institution.objects.exclude(status="cancelled").count()


def test_the_provinces_own_decisions_take_no_review_time(world, login):
    """A decree (the province's direct 注销, its own 信用记录) has no step before it: the refresh leaves it
    out of 各环节办理时长 instead of failing on a step of unknown length."""
    before = table(page(login("province")), "durations")
    workflow.record_credit(login("province"), institution="南京华宁建材检测有限公司")
    refresh()
    assert StepTime.objects.filter(days__isnull=True).exists()
    assert table(page(login("province")), "durations") == before
