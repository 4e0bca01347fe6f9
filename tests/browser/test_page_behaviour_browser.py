"""The pages' behaviour under the Content-Security-Policy, which runs no inline script or style: the 撤回
confirmation, 全选 on the print queue, the 返回 link of the 已被处理 page, and the attachment viewer with a
replaced round's scans (images and the PDF frame). Chromium reports any blocked script, style or frame on
the console; none may appear.

The filings are set up through the views with Django's test client, as the roles would post them.
"""

import re

from django.urls import reverse
from playwright.sync_api import Page, expect

from institutions.models import User
from tests import files, workflow

from .conftest import client_for

RECEIVING = "苏州建科建材检测有限公司"


def loaded_images(page: Page, scope: str) -> int:
    images = page.locator(f"{scope} img")
    for img in images.all():
        img.scroll_into_view_if_needed()  # loading="lazy"
        page.wait_for_function("img => img.complete", arg=img.element_handle())
        assert img.evaluate("img => img.naturalWidth") > 0, img.get_attribute("alt")
    return images.count()


def test_the_filer_sees_replaced_scans_and_confirms_withdrawal(open_as, policy_violations, screenshot):
    application = workflow.file_transfer(client_for("nj-jc"), "王强", RECEIVING)
    workflow.accept(client_for("sz-jc"), application)
    workflow.decide(client_for("suzhou"), application, "return", "解除劳动关系证明未盖章。")
    response = client_for("nj-jc").post(
        reverse("application_resubmit", args=[application.pk]), {"termination": files.png("盖章版.png")}
    )
    assert response.status_code == 302

    page = open_as("nj-jc")
    violations = policy_violations(page)
    page.goto(reverse("application_detail", args=[application.pk]))
    expect(page.locator("h1")).to_contain_text("待市级审核")  # the receiver accepted: not asked again
    # Current: the new 解除劳动关系证明 and the receiver's round-1 scans (it replaces only what it wants).
    assert loaded_images(page, "#attachments > .pages") == 6, (
        "解除劳动关系证明, 3 contract pages, 社保.pdf, 上岗证"
    )
    assert loaded_images(page, "#scan-viewer") == 1, "the first scan, large"
    page.locator("#attachments > .pages a[data-view-kind=pdf]").click()
    expect(page.locator("#scan-viewer iframe")).to_have_count(1)  # 社保.pdf
    replaced = page.locator("#superseded-2")
    expect(replaced.locator("h2")).to_have_text("已替换（第2轮）")
    expect(replaced.locator("figure.replaced")).to_have_count(1)
    assert loaded_images(page, "#superseded-2") == 1, "the old 解除劳动关系证明"
    expect(page.locator("#timeline")).to_contain_text("替换附件：解除劳动关系证明 解除劳动关系证明.jpg")
    screenshot(page, "replaced-scans")

    withdraw = page.get_by_role("button", name="撤回")
    page.once("dialog", lambda dialog: dialog.dismiss())
    withdraw.click()
    expect(page.locator("h1")).to_contain_text("待市级审核")  # cancelled: nothing sent
    expect(page.locator(".busy")).to_have_count(0)
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    withdraw.click()
    expect(page.locator(".messages")).to_contain_text("申请已撤回")
    expect(page.locator("h1")).to_contain_text("已撤回")
    assert asked == ["确定撤回该申请？"]
    assert violations == []


def test_select_all_ticks_every_certificate_on_the_print_queue(open_as, policy_violations):
    workflow.walk_transfer(
        client_for, "张伟", "nj-dual", "wx-dual", "无锡市建设工程质量检测中心", ["nanjing", "wuxi"]
    )
    page = open_as("province")
    violations = policy_violations(page)
    page.goto(reverse("print_queue"))
    boxes = page.locator("#print-tasks tbody input[name=ids]")
    expect(boxes).to_have_count(2)
    page.get_by_label("全选").check()
    for box in boxes.all():
        expect(box).to_be_checked()
    page.get_by_label("全选").uncheck()
    for box in boxes.all():
        expect(box).not_to_be_checked()
    assert violations == []


def test_the_already_handled_page_goes_back(open_as, policy_violations):
    application = workflow.file_transfer(client_for("nj-jc"), "王强", RECEIVING)
    workflow.accept(client_for("sz-jc"), application)
    page = open_as("nanjing")
    violations = policy_violations(page)
    detail = reverse("application_detail", args=[application.pk])
    page.goto(detail)
    # The page's thumbnails load from the live server; let them finish before this thread writes to the
    # SQLite test database (a write beside theirs finds the table locked).
    page.wait_for_load_state("networkidle")
    # A colleague at the same city decides first, with a login of their own (one session per login:
    # logging in as "nanjing" again would end the browser's session instead).
    colleague = User.objects.get(username="nanjing")
    User.objects.create(username="nanjing-2", role=User.Role.CITY, city_id=colleague.city_id)
    workflow.decide(client_for("nanjing-2"), application)
    form = page.locator("#decision-form")
    form.get_by_label("审核意见").fill("同意。")
    page.once("dialog", lambda dialog: dialog.accept())  # 同意 asks first
    form.get_by_role("button", name="同意", exact=True).click()
    expect(page.locator("h1")).to_have_text("操作未执行")
    page.get_by_role("link", name="返回").click()
    expect(page).to_have_url(re.compile(re.escape(detail) + "$"))
    assert violations == []
