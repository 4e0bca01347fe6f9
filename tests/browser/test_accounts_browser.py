"""账号管理 in headless Chromium: the province opens a login for a clerk of 南京华宁建材 from the menu; the clerk's
first login must change the initial password before anything else, then the institution's menu shows."""

from playwright.sync_api import expect

from institutions.models import User

from .conftest import login

INITIAL, NEW = "Chushi#2026", "Qian#Lin2027"


def test_the_province_opens_a_login_and_its_first_login_must_change_the_password(open_as):
    page = open_as("province")
    page.get_by_role("navigation", name="菜单").get_by_role("link", name="账号管理").click()
    expect(page.locator("h1")).to_have_text("账号管理")
    page.get_by_role("link", name="新增账号").click()
    page.get_by_label("角色").select_option(label="检测机构")
    page.get_by_label("检测机构", exact=True).select_option(label="南京华宁建材检测有限公司")
    page.get_by_label("用户名").fill("nj-jc.qian")
    page.get_by_label("姓名").fill("钱琳")
    page.get_by_label("手机").fill("13912345678")
    page.get_by_label("初始密码").fill(INITIAL)
    page.get_by_role("button", name="新增").click()
    expect(page.locator("h1")).to_have_text("账号 nj-jc.qian")
    expect(page.locator("#history")).to_contain_text(
        "新增登录账号 nj-jc.qian（南京华宁建材检测有限公司，钱琳）"
    )
    assert User.objects.get(username="nj-jc.qian").must_change_password

    clerk = open_as(None)
    login(clerk, "nj-jc.qian", INITIAL)
    expect(clerk.locator("h1")).to_have_text("修改密码")
    clerk.goto("/m/jc/people/")  # anything else leads back to the change
    expect(clerk.locator("h1")).to_have_text("修改密码")
    clerk.locator("#id_old_password").fill(INITIAL)
    clerk.locator("#id_new_password1").fill(NEW)
    clerk.locator("#id_new_password2").fill(NEW)
    clerk.get_by_role("button", name="确认修改").click()
    expect(clerk.get_by_text("密码已修改。")).to_be_visible()
    expect(clerk.get_by_role("navigation", name="菜单")).to_contain_text("【诚信变更管理】")
    assert not User.objects.get(username="nj-jc.qian").must_change_password

    page.reload()
    expect(page.locator("#history")).to_contain_text("修改密码")
