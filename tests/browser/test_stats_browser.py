"""统计分析 in headless Chromium: the province's home and a city's home draw every chart (server-side SVG,
no script) with their tables, within the Content-Security-Policy, and 统计分析 in the menu leads to them."""

import io

from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser.conftest import client_for
from tests.workflow import file_transfer

CHARTS = ["requests", "waiting", "overdue", "durations", "certificates"]


def test_the_province_and_a_city_see_their_charts(open_as, screenshot, policy_violations):
    # One transfer 待接收 between 南京 and 苏州, then the figures as the worker would refresh them.
    file_transfer(client_for("nj-jc"), "王强", "苏州建科建材检测有限公司")
    call_command("refresh_stats", "--now", stdout=io.StringIO())

    page = open_as("province")
    violations = policy_violations(page)  # one list, filled from every page watched
    page.goto("/")
    expect(page.get_by_role("heading", name="统计分析（全省）")).to_be_visible()
    for slug in CHARTS:
        chart = page.locator(f"#chart-{slug} svg.chart")
        expect(chart).to_be_visible()
        assert chart.bounding_box()["width"] > 300
    # 建材 and 地基 certificates, all 正常, in 南京, 苏州 and 无锡: two bars each (legend keys have no title).
    expect(page.locator("#chart-certificates svg rect.bar > title")).to_have_count(6)
    expect(page.locator("#chart-waiting tbody tr.whole th")).to_have_text("全省")
    waiting = page.locator("#chart-waiting tbody tr", has_text="南京市")
    expect(waiting.locator("td").first).to_have_text("1")  # 待调入机构接收
    expect(
        page.locator("#chart-waiting svg rect.bar title", has_text="南京市 待调入机构接收：1件")
    ).to_have_count(1)
    screenshot(page, "province-home")

    page.get_by_role("link", name="统计分析", exact=True).click()
    expect(page.get_by_role("heading", name="统计分析（全省）")).to_be_visible()
    with page.expect_download() as download:
        page.locator("#chart-waiting").get_by_role("link", name="导出Excel").click()
    assert download.value.suggested_filename.startswith("当前待办（按环节、按市）-全省-")

    city = open_as("suzhou")
    policy_violations(city)
    city.goto("/")
    expect(city.get_by_role("heading", name="统计分析（苏州市）")).to_be_visible()
    for slug in CHARTS:
        expect(city.locator(f"#chart-{slug} svg.chart")).to_be_visible()
    expect(city.locator("#chart-waiting tbody tr th")).to_have_text(["苏州市"])
    expect(city.locator("#chart-certificates svg rect.bar > title")).to_have_count(2)
    screenshot(city, "city-home")
    assert violations == []
