"""信用记录 → 复核 → 信用公示, clicked through headless Chromium: 南京 records a 不良行为 of 南京华宁建材,
the province confirms it from its 信用记录复核 queue, and the public 信用公示 shows the record and the grade."""

from playwright.sync_api import expect

from .test_transfer_browser import approve, menu, write_pdf

INSTITUTION = "南京华宁建材检测有限公司"


def test_a_city_records_the_province_confirms_the_public_sees_it(
    open_as, tmp_path, screenshot, policy_violations
):
    city = open_as("nanjing")
    violations = policy_violations(city)
    menu(city).get_by_role("link", name="信用记录", exact=True).click()
    city.get_by_role("link", name="新增信用记录").click()
    form = city.locator("#credit-record-form")
    form.get_by_label("检测机构", exact=True).first.check()  # 记录对象：检测机构
    form.locator("select[name=institution]").select_option(label=INSTITUTION)
    form.get_by_label("行为类别").select_option(label="出具虚假检测报告（不良）")
    form.get_by_label("行为日期").fill("2026-10-12")
    form.get_by_label("行为描述").fill("监督抽查发现出具虚假检测报告 3 份")
    form.locator("input[name=credit_evidence]").set_input_files(write_pdf(tmp_path / "检查记录.pdf"))
    expect(form.locator("ul.staged li")).to_have_count(1)  # staged as it was chosen
    screenshot(city, "city-record-form")
    form.get_by_role("button", name="提交").click()
    expect(city.locator(".messages")).to_contain_text("待省级复核")
    expect(city.locator("h1")).to_contain_text("信用记录")
    expect(city.locator("#credit-record")).to_contain_text("出具虚假检测报告")

    province = open_as("province")
    link = menu(province).locator("a[href*='/review/credit_record/']").first
    expect(link).to_contain_text("信用记录复核")
    link.click()
    province.locator("#queue tbody tr", has_text=INSTITUTION).get_by_role("link", name="复核").click()
    approve(province, "事实清楚，证据确凿，同意。")
    expect(province.locator("#credit-record")).to_contain_text("公示中")
    screenshot(province, "province-confirmed")

    public = open_as(None)
    public.goto("/")
    public.get_by_role("link", name="信用公示").click()
    row = public.locator("#credit-public tbody tr", has_text=INSTITUTION)
    expect(row).to_contain_text("出具虚假检测报告")
    expect(row.locator("td").nth(3)).to_have_text("B")
    screenshot(public, "public-list")
    assert not violations
