"""证书收回 as the institution meets it in headless Chromium: after its 注销 is approved, the menu counts the
certificate 待交回, home lists it, the request page asks to mail it to the province's address, and once
登记寄回 is done the count, the to-do and the prompt are gone."""

from django.contrib.auth import get_user_model
from django.utils.datastructures import MultiValueDict
from playwright.sync_api import expect

from certificates.cancellation import file_cancellation
from certificates.forms import CancellationForm
from certificates.models import PostCertificate, Recovery
from reviews.actions import decide
from tests import files

NUMBER = "苏JC-2023-00005"  # 孙丽, 南京市建设工程质量检测中心 (nj-dual)
ADDRESS = "南京市鼓楼区草场门大街88号 江苏省建设工程质量监督总站 证书科"
PROMPT = "请立即将岗位合格证书寄回省质监总站"


def test_the_institution_is_prompted_to_mail_a_cancelled_certificate_back(open_as, settings, screenshot):
    settings.PROVINCE_MAIL_ADDRESS = ADDRESS
    users = get_user_model().objects
    form = CancellationForm(
        {
            "certificates": [PostCertificate.objects.get(number=NUMBER).pk],
            "reason": "离职",
            "holder_agrees": "yes",
        },
        MultiValueDict({"certificate_scan": [files.jpeg("岗位合格证.jpg")]}),
        institution=users.get(username="nj-dual").institution,
    )
    assert form.is_valid(), form.errors
    data = form.cleaned_data
    cancellation = file_cancellation(
        users.get(username="nj-dual"), data["certificates"], data["reason"], True, form.scans_by_type()
    )
    decide(cancellation.pk, users.get(username="nanjing"), "approve", "同意")
    decide(cancellation.pk, users.get(username="province"), "approve", "复核同意")

    page = open_as("nj-dual")
    entry = page.locator("nav.side a", has_text="证书收回")
    expect(entry.locator(".count")).to_have_text("1")
    todo = page.locator("#to-mail-back")
    expect(todo).to_contain_text(NUMBER)
    screenshot(page, "home-to-do")

    todo.get_by_role("link", name="登记寄回").click()
    prompt = page.locator("#recovery-prompt")
    expect(prompt).to_be_visible()
    expect(prompt).to_contain_text(PROMPT)
    expect(prompt).to_contain_text(ADDRESS)
    expect(prompt).to_contain_text(NUMBER)
    screenshot(page, "prompt")

    page.locator("#recovery").get_by_placeholder("快递单号（可选）").fill("SF1234567890")
    page.locator("#recovery").get_by_role("button", name="登记寄回").click()
    expect(page.locator(".messages")).to_contain_text("已登记寄回")
    expect(page.locator("#recovery-prompt")).to_have_count(0)
    expect(page.locator("nav.side a", has_text="证书收回").locator(".count")).to_have_count(0)
    page.goto("/")
    expect(page.locator("#to-mail-back")).to_have_count(0)
    assert Recovery.objects.get(application=cancellation).state == Recovery.State.MAILED
    screenshot(page, "after-mailing")
