"""消息 as the receiving institution meets it in headless Chromium: a transfer addressed to it shows a red
1 beside 消息 in the header; one click on the message opens the request page and the count is gone,
while a colleague's count stays."""

from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from institutions.models import Institution, User
from notices.models import Recipient
from tests import workflow

from .conftest import client_for


def test_a_message_opens_its_request_in_one_click(open_as, screenshot, policy_violations):
    get_user_model().objects.create_user(
        username="sz-jc-2",
        password="x",
        role=User.Role.INSTITUTION,
        institution=Institution.objects.get(name="苏州建科建材检测有限公司"),
    )
    transfer = workflow.file_transfer(client_for("nj-jc"), "王强", "苏州建科建材检测有限公司")
    page = open_as("sz-jc")
    violations = policy_violations(page)
    link = page.locator("#notice-link")
    expect(link.locator(".unread-count")).to_have_text("1")
    link.click()
    message = page.locator("#notices tr.unread")
    expect(message).to_contain_text("人员变更调离：王强（南京华宁建材检测有限公司）待接收。")
    screenshot(page, "list")

    message.get_by_role("button").click()
    page.wait_for_url(f"**/applications/{transfer.pk}/")
    expect(page.locator("#notice-link .unread-count")).to_have_count(0)
    screenshot(page, "opened")
    page.goto("/notices/")
    expect(page.locator("#notices tr.unread")).to_have_count(0)
    assert not violations
    assert Recipient.objects.filter(user__username="sz-jc-2", unread=True).count() == 1
