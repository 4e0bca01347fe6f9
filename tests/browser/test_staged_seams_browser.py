"""Staged uploads on the province's direct 注销, in headless Chromium at 1366×900: the 处理决定 scan is
sent as it is chosen (not refused as an unknown type), survives a submit the server refuses, and the next
submit files it without choosing it again."""

from django.urls import reverse
from playwright.sync_api import expect

from certificates.models import CertificateStatus
from reviews.models import Attachment, StagedUpload
from tests import files
from tests.workflow import certificate


def test_the_province_revokes_with_a_staged_decision_scan(open_as, tmp_path):
    scan = tmp_path / "处理决定.pdf"
    scan.write_bytes(files.pdf_bytes("处理决定"))
    page = open_as("province")
    page.goto(reverse("certificate_revoke", args=[certificate("苏JC-2019-00012").pk]))
    page.get_by_label("处理决定").set_input_files(str(scan))
    staged = page.locator("ul.staged[data-staged-for=province_decision] li[data-token]")
    expect(staged).to_have_count(1)
    assert StagedUpload.objects.count() == 1
    page.get_by_label("注销原因").fill(" ")  # only the server refuses a blank reason
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="注销", exact=True).click()
    expect(page.locator(".error-summary")).to_be_visible()
    expect(staged).to_have_count(1)
    page.get_by_label("注销原因").fill("出具虚假检测报告")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="注销", exact=True).click()
    expect(page.locator("h1")).to_contain_text("已通过")
    assert certificate("苏JC-2019-00012").status == CertificateStatus.CANCELLED
    assert list(Attachment.objects.values_list("type", "original_name")) == [
        ("province_decision", "处理决定.pdf")
    ]
    assert not StagedUpload.objects.exists()
