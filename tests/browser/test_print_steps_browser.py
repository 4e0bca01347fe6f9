"""证书打印 in three steps, in Chromium: ① choose 全部待打印 for 南京, ② the PDF (made by the job worker, with
the progress bar and the download starting by itself) then 确认 the paper came out, ③ one 快递单号 per city."""

from django.core.management import call_command
from playwright.sync_api import Page, expect

from certificates.models import PrintTask
from certificates.reissue import file_reissue
from reviews.actions import decide
from tests import files

TRACKING = "EMS2026113001"


def approved_reissue(username: str, numbers: list[str], city: str):
    """A reissue filed and approved through the domain actions (the filing pages have their own tests)."""
    from django.contrib.auth import get_user_model
    from django.utils.datastructures import MultiValueDict

    from certificates.forms import ReissueForm
    from certificates.models import PostCertificate

    users = get_user_model().objects
    institution = users.get(username=username).institution
    form = ReissueForm(
        {
            "certificates": [c.pk for c in PostCertificate.objects.filter(number__in=numbers)],
            "reason": "证书遗失",
        },
        MultiValueDict(
            {
                "newspaper_notice": [files.jpeg("登报声明.jpg")],
                "labour_contract": [files.jpeg("1.jpg")],
                "social_security": [files.pdf("社保缴费清单.pdf")],
            }
        ),
        institution=institution,
    )
    assert form.is_valid(), form.errors
    application = file_reissue(
        users.get(username=username), form.cleaned_data["certificates"], "证书遗失", form.scans_by_type()
    )
    for reviewer in (city, "province"):
        decide(application.pk, users.get(username=reviewer), "approve", "原件已核对，同意。")


def test_the_province_prints_a_batch_in_three_steps(open_as, site, settings, tmp_path, screenshot):
    settings.PRINT_SYNC_MAX = 1  # two certificates make a "big" batch: the job worker makes the PDF
    approved_reissue("nj-dual", ["苏JC-2019-00012", "苏DJ-2019-00012"], "nanjing")
    approved_reissue("sz-jc", ["苏JC-2021-00056"], "suzhou")
    page: Page = open_as("province")
    page.on("dialog", lambda dialog: dialog.accept())

    # ① choose: 寄往 南京市, then 打印全部待打印.
    page.goto("/printing/")
    page.get_by_label("寄往").select_option(label="南京市")
    page.get_by_role("button", name="筛选").click()
    page.get_by_role("button", name="打印全部待打印（2 份）").click()

    # ② print: the job page's progress bar; the worker runs; the PDF downloads by itself.
    expect(page.locator("h1")).to_have_text("证书打印：共 2 份")
    expect(page.locator("#batch-tasks tbody tr")).to_have_count(2)
    with page.expect_download(timeout=30_000) as pdf:
        expect(page.locator(".job-state")).to_have_text("排队中")
        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert pdf.value.suggested_filename.endswith("-2份.pdf")
    expect(page.locator(".job-state")).to_have_text("已完成")
    expect(page.locator(".job-progress")).to_have_attribute("value", "100")
    assert set(PrintTask.objects.values_list("state", flat=True)) == {"pending"}, "nothing marked yet"
    screenshot(page, "print-batch")
    page.get_by_role("button", name="纸张已打出，确认已打印").click()
    expect(page.locator(".messages")).to_contain_text("已标记 2 份证书为已打印")

    # ③ send: one 快递单号 for 南京市.
    expect(page.locator(".tabs a.on")).to_have_text("已打印")
    row = page.locator("#parcels tbody tr", has_text="南京市")
    expect(row).to_contain_text("2 份")
    row.get_by_label("寄往南京市的单号").fill(TRACKING)
    row.get_by_role("button", name="寄出南京市").click()
    expect(page.locator(".messages")).to_contain_text("已寄出 2 份证书至南京市")
    sent = PrintTask.objects.filter(state="sent")
    assert sorted(sent.values_list("tracking_number", flat=True)) == [TRACKING, TRACKING]
    assert PrintTask.objects.get(state="pending").certificate.number == "苏JC-2021-00056"
