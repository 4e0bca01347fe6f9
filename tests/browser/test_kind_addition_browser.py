"""增项 of a kind, clicked through headless Chromium (docs/domain.md, 机构备案):

苏州建科建材 (sz-jc, 建材 only) applies for 地基 from its menu with the 正本, two 副本 and its 检测能力;
苏州 approves, the province approves from its 地基 queue; sz-jc's menu then has both modules. It then
receives 张伟 (建材 + 地基, from nj-dual) and both certificates end 无信用档案 at sz-jc.
"""

import re

from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from reviews.actions import decide
from tests import files

SZ_JC = "苏州建科建材检测有限公司"
JC_TITLE, DJ_TITLE = "【工程质量检测诚信管理】", "【地基基础检测诚信管理】"
PERSON = "张伟"


def scan(name: str, mime: str, data: bytes) -> dict:
    return {"name": name, "mimeType": mime, "buffer": data}


def menu(page: Page):
    return page.get_by_role("navigation", name="菜单")


def section_titles(page: Page) -> list[str]:
    return [t.strip() for t in menu(page).locator("h3").all_inner_texts()]


def user(username):
    return get_user_model().objects.get(username=username)


def test_a_single_kind_institution_adds_the_other_kind_and_receives_a_dual_certificate_person(
    open_as, screenshot
):
    sz = open_as("sz-jc")
    assert section_titles(sz) == [
        "【诚信变更管理】",
        "【证书管理】",
        JC_TITLE,
        "【资质增项】",
        "【信用管理】",
    ]
    apply_link = menu(sz).get_by_role("link", name="申请地基资质")
    expect(apply_link).to_have_attribute("href", "/m/dj/institution/filing/")
    expect(menu(sz).locator("a[href='/m/dj/people/']")).to_have_count(0)
    apply_link.click()
    expect(sz.locator("h1")).to_have_text(f"机构备案 · {SZ_JC}")
    sz.get_by_label("资质证书编号").fill("苏建检字第300001号")
    sz.get_by_label("有效期起").fill("2025-01-01")
    sz.get_by_label("有效期至").fill("2030-12-31")
    sz.get_by_label("资质范围").fill("地基基础检测")
    jpeg, pdf = files.jpeg_bytes(), files.pdf_bytes("copy")
    sz.get_by_label("资质证书正本扫描件").set_input_files(scan("地基正本.jpg", "image/jpeg", jpeg))
    sz.get_by_label("资质证书副本扫描件").set_input_files(
        [scan("地基副本1.jpg", "image/jpeg", jpeg), scan("地基副本2.pdf", "application/pdf", pdf)]
    )
    sz.get_by_label("增项（新增检测能力）").fill("桩基｜低应变法｜桩身完整性\n地基｜平板载荷试验｜承载力")
    sz.get_by_role("button", name="提交备案").click()
    expect(sz.locator(".messages")).to_contain_text("机构备案已提交")
    expect(sz.locator("h1")).to_contain_text("待市级审核")
    request_path = re.sub(r"^https?://[^/]+", "", sz.url)
    request_id = int(re.fullmatch(r"/applications/(\d+)/", request_path).group(1))
    decide(request_id, user("suzhou"), "approve", "苏州：资质证书原件已核对，同意。")

    province = open_as("province")
    province.goto("/m/dj/review/institution_filing/")
    row = province.locator("#queue tbody tr", has_text=SZ_JC)
    expect(row).to_have_count(1)
    row.get_by_role("link", name="审核").click()
    expect(province.locator("#qualification-scans")).to_contain_text("地基副本2.pdf")
    expect(province.locator("#capability-changes tbody tr")).to_have_count(2)
    screenshot(province, "province-kind-addition")
    form = province.locator("#decision-form")
    form.get_by_label("审核意见").fill("地基资质经核准，同意。")
    province.once("dialog", lambda dialog: dialog.accept())  # 同意 asks for confirmation first
    form.get_by_role("button", name="同意", exact=True).click()
    expect(province.locator("h1")).to_contain_text("已通过")

    sz.goto("/")
    assert section_titles(sz) == ["【诚信变更管理】", "【证书管理】", JC_TITLE, DJ_TITLE, "【信用管理】"]
    expect(menu(sz).get_by_role("link", name="申请地基资质")).to_have_count(0)
    expect(menu(sz).locator("a[href='/m/dj/people/']")).to_have_count(1)
    screenshot(sz, "sz-jc-both-modules")

    # 张伟 (建材 + 地基) transfers in from nj-dual; sz-jc receives him.
    nj = open_as("nj-dual")
    nj.goto("/")
    menu(nj).get_by_role("link", name="人员变更调离").click()
    nj.get_by_role("link", name="添加变更").click()
    person = nj.get_by_label("调离人员")
    person.select_option(person.locator("option", has_text=PERSON).get_attribute("value"))
    receiving = nj.get_by_label("调入机构")
    receiving.select_option(receiving.locator("option", has_text=SZ_JC).get_attribute("value"))
    nj.get_by_label("解除劳动关系证明").set_input_files(scan("解除劳动关系证明.jpg", "image/jpeg", jpeg))
    nj.get_by_role("button", name="提交").click()
    expect(nj.locator("h1")).to_contain_text("待接收")
    transfer_path = re.sub(r"^https?://[^/]+", "", nj.url)
    transfer_id = int(re.fullmatch(r"/applications/(\d+)/", transfer_path).group(1))
    sz.goto(transfer_path)
    accept = sz.locator("#accept-form")
    accept.get_by_label("劳动合同").set_input_files([scan("1.jpg", "image/jpeg", jpeg)])
    accept.get_by_label("社保缴费清单").set_input_files(scan("社保.pdf", "application/pdf", pdf))
    accept.get_by_label("上岗证").set_input_files(scan("上岗证.jpg", "image/jpeg", jpeg))
    accept.get_by_role("button", name="接收", exact=True).click()
    expect(sz.locator("h1")).to_contain_text("待市级审核")
    expect(sz.locator("#certificate-changes tr[data-kind='JC']")).to_contain_text("无信用档案")
    expect(sz.locator("#certificate-changes tr[data-kind='DJ']")).to_contain_text("无信用档案")
    for reviewer in ("nanjing", "suzhou", "province"):
        decide(transfer_id, user(reviewer), "approve", "同意。")

    for module, kind in (("jc", "JC"), ("dj", "DJ")):
        sz.goto(f"/m/{module}/certificates/")
        row = sz.locator("table.grid tbody tr", has_text=PERSON)
        expect(row).to_have_count(1)
        expect(row).to_contain_text("无信用档案")
        expect(row).to_contain_text(f"苏{kind}-2019-00012")
    screenshot(sz, "sz-jc-certificates")
