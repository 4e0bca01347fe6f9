"""信用档案 in Chromium: reached from 人员诚信管理 → 基本信息, drawn without any Content-Security-Policy
violation, the province's PDF export offered on it."""

from playwright.sync_api import expect

from tests import workflow

from .conftest import client_for


def test_the_province_opens_a_file_from_the_people_list(open_as, policy_violations, screenshot):
    reissue = workflow.file_reissue(client_for("nj-jc"), ["苏JC-2018-00231"])
    workflow.approve_everywhere(client_for, reissue, ["nanjing"])
    page = open_as("province")
    violations = policy_violations(page)
    page.goto("/m/jc/people/")
    row = page.locator("tr", has_text="王强")
    row.get_by_role("link", name="信用档案").click()
    expect(page.locator("h1")).to_have_text("王强 · 信用档案")
    expect(page.locator("#employments")).to_contain_text("南京华宁建材检测有限公司")
    expect(page.locator("#applications")).to_contain_text(f"人员上岗证补办 #{reissue.pk}")
    expect(page.locator("#credit-records")).to_contain_text("暂无信用记录")
    expect(page.get_by_role("link", name="导出PDF")).to_be_visible()
    screenshot(page, "dossier")
    assert violations == []
