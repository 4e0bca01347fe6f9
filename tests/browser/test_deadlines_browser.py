"""办理时限 in headless Chromium: a city's queue lists the overdue request first with 已超期 N 个工作日 and
filters it; the province sets a limit under 系统管理 → 办理时限 (confirmed) and the queue shows the new
due date; no page breaks the Content-Security-Policy."""

from datetime import date

from playwright.sync_api import expect

from reviews.models import Application
from tests.workflow import file_reissue
from workdays import calendar

from .conftest import client_for


def test_a_city_sees_the_overdue_first_filters_them_and_the_province_changes_a_limit(
    open_as, monkeypatch, screenshot, policy_violations
):
    monkeypatch.setattr(calendar, "today", lambda: date(2026, 11, 2))
    late = file_reissue(client_for("nj-jc"), ["苏JC-2018-00231"])  # due 11/9
    monkeypatch.setattr(calendar, "today", lambda: date(2026, 11, 27))
    recent = file_reissue(client_for("nj-dual"), ["苏JC-2019-00012"])  # due 12/4
    monkeypatch.setattr(calendar, "today", lambda: date(2026, 11, 30))

    page = open_as("nanjing")
    violations = policy_violations(page)
    page.goto("/m/jc/review/reissue/")
    rows = page.locator("#queue tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text(f"#{late.pk}")
    expect(rows.nth(0)).to_contain_text("已超期 15 个工作日")
    expect(rows.nth(1)).to_contain_text("剩余 4 个工作日")
    screenshot(page, "queue")

    page.locator("#due-filter").select_option("overdue")
    page.get_by_role("button", name="筛选").click()
    expect(rows).to_have_count(1)
    expect(rows.nth(0)).to_contain_text(f"#{late.pk}")
    screenshot(page, "overdue-only")

    province = open_as("province")
    violations += policy_violations(province)
    province.locator("nav.side a", has_text="办理时限").click()
    province.get_by_label("市级审核（每个市）").fill("3")
    province.once("dialog", lambda dialog: dialog.accept())
    province.locator("#limits").get_by_role("button", name="保存").click()
    expect(province.locator(".messages")).to_contain_text("2 件在办事项的期限已按新时限更新")
    screenshot(province, "limits-saved")
    assert Application.objects.get(pk=recent.pk).due_on == date(2026, 12, 2)

    page.goto("/m/jc/review/reissue/")
    expect(rows.nth(1)).to_contain_text("剩余 2 个工作日")
    assert violations == []
