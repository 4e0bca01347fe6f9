"""What a clerk meets on every form, in headless Chromium at 1366×900: files are staged as they are chosen
(with a progress bar), a form that comes back with an error keeps them and the next submit files them
without choosing again, a sixth 副本 is never sent; and a reviewer's request page keeps the decision form
in view beside one large scan viewer.
"""

from django.urls import reverse
from PIL import Image, ImageDraw
from playwright.sync_api import Page, expect

from reviews.models import Application, Attachment, StagedUpload
from tests import files, workflow

from .conftest import client_for

RECEIVING = "苏州建科建材检测有限公司"


def write_jpeg(path, colour=(200, 40, 40), size=(600, 800)):
    image = Image.new("RGB", size, (250, 250, 245))
    ImageDraw.Draw(image).ellipse((60, 60, 400, 400), outline=colour, width=10)
    image.save(path, "JPEG", quality=85)
    return path


def staged_names(page: Page, field: str) -> list[str]:
    return page.locator(f"ul.staged[data-staged-for={field}] li[data-token]").evaluate_all(
        "items => items.map(li => li.dataset.name)"
    )


SCANS = {"id_card": "身份证正反面", "diploma": "学历证书", "title_certificate": "职称证书",
         "labour_contract": "劳动合同", "social_security": "社保缴费清单"}  # fmt: skip


def test_a_form_with_an_error_keeps_the_chosen_files_and_the_next_submit_files_them(
    open_as, tmp_path, screenshot
):
    """添加人员 with a mistyped 身份证号 (a wrong check digit, which only the server can tell): the page comes
    back with the summary and every scan still chosen; correcting the number alone files the request."""
    page = open_as("nj-dual")
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.goto(reverse("person_new", args=["jc"]))
    page.get_by_label("姓名").fill("周敏")
    page.get_by_label("身份证号").fill("320104199003070027")
    for field, label in SCANS.items():
        name = "1.jpg" if field == "labour_contract" else f"{label}.jpg"
        page.get_by_label(label).set_input_files(write_jpeg(tmp_path / name, size=(300, 400)))
        expect(page.locator(f"ul.staged[data-staged-for={field}] li[data-token]")).to_have_count(1)
    assert len(posts) == 5 and all(url.endswith(reverse("upload_stage")) for url in posts), "sent as chosen"

    page.get_by_role("button", name="提交").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("请更正以下 1 项")
    expect(summary.get_by_role("link", name="身份证号")).to_have_attribute("href", "#id_id_number")
    for field, label in SCANS.items():
        assert staged_names(page, field) == ["1.jpg" if field == "labour_contract" else f"{label}.jpg"], field
    screenshot(page, "error-keeps-files")
    assert not Application.objects.exists() and StagedUpload.objects.count() == 5

    page.get_by_label("身份证号").fill("320104199003070028")
    page.get_by_role("button", name="提交").click()  # without choosing any file again
    expect(page.locator("h1")).to_contain_text("待市级审核")
    application = Application.objects.get()
    assert sorted(application.attachments.values_list("original_name", flat=True)) == sorted(
        "1.jpg" if field == "labour_contract" else f"{label}.jpg" for field, label in SCANS.items()
    )
    assert not StagedUpload.objects.exists()


def test_a_submit_during_an_upload_waits_for_it(open_as, tmp_path):
    """Choose and submit at once: the form goes when the upload is done, with the staged file."""
    page = open_as("nj-jc")
    page.goto(reverse("transfer_new"))
    person = page.get_by_label("调离人员")
    person.select_option(person.locator("option", has_text="王强").get_attribute("value"))
    receiving = page.get_by_label("调入机构")
    receiving.select_option(receiving.locator("option", has_text=RECEIVING).get_attribute("value"))
    page.get_by_label("解除劳动关系证明").set_input_files(
        write_jpeg(tmp_path / "证明.jpg", size=(2400, 3200))
    )
    page.get_by_role("button", name="提交").click()
    expect(page.locator("h1")).to_contain_text("待接收")
    assert Attachment.objects.get().original_name == "证明.jpg"


def test_a_sixth_copy_scan_is_refused_before_it_is_sent(open_as, tmp_path):
    page = open_as("nj-jc")
    stages = []
    page.on("request", lambda r: stages.append(r.url) if r.url.endswith(reverse("upload_stage")) else None)
    page.goto(reverse("institution_filing", args=["jc"]))
    copies = [write_jpeg(tmp_path / f"副本{n}.jpg", size=(60, 80)) for n in range(1, 7)]
    page.get_by_label("资质证书副本扫描件").set_input_files(copies)
    expect(page.locator("ul.staged[data-staged-for=qualification_copy] li[data-token]")).to_have_count(5)
    expect(page.locator(".stage-error")).to_contain_text(
        "资质证书副本扫描件最多上传 5 个文件：「副本6.jpg」未上传。"
    )
    assert len(stages) == 5 and StagedUpload.objects.count() == 5


def test_a_file_the_server_refuses_is_named_at_once_and_not_kept(open_as, tmp_path):
    page = open_as("nj-dual")
    page.goto(reverse("person_new", args=["jc"]))
    page.get_by_label("劳动合同").set_input_files(write_jpeg(tmp_path / "合同.jpg", size=(60, 80)))
    expect(page.locator(".stage-error")).to_contain_text("「合同.jpg」的文件名中没有页码")
    expect(page.locator("ul.staged[data-staged-for=labour_contract] li")).to_have_count(0)
    assert not StagedUpload.objects.exists()


def test_the_decision_form_stays_in_view_beside_one_large_scan(open_as, screenshot):
    application = workflow.file_transfer(client_for("nj-jc"), "王强", RECEIVING)
    response = client_for("sz-jc").post(
        reverse("application_accept", args=[application.pk]),
        {
            "labour_contract": [files.jpeg(f"{n}.jpg", size=(1240, 1754)) for n in range(1, 6)],
            "social_security": [files.pdf("社保.pdf")],
            "certificate_scan": [files.png("上岗证.png", size=(1240, 1754))],
        },
    )
    assert response.status_code == 302
    page = open_as("nanjing")
    page.goto(reverse("application_detail", args=[application.pk]))
    form = page.locator("#decision-form")
    expect(page.locator("#scan-viewer img")).to_have_count(1)
    expect(page.locator("#attachments .pages figure")).to_have_count(8)
    height = page.evaluate("document.documentElement.scrollHeight")

    def in_view():
        box = form.bounding_box()
        return box["y"] >= 0 and box["y"] + box["height"] <= 900

    assert in_view(), "at the top"
    page.mouse.wheel(0, 10_000)
    page.wait_for_function("() => window.scrollY > 0 || document.documentElement.scrollHeight <= innerHeight")
    assert in_view(), f"scrolled to the bottom of a {height} px page"
    page.locator("#attachments h2:has-text('劳动合同') + .pages a[data-view]").nth(2).click()
    expect(page.locator("[data-viewer-name]")).to_contain_text("第3页 · 3.jpg")
    expect(page.locator("#scan-viewer img")).to_have_attribute(
        "src", reverse("attachment_download", args=[application.attachments.get(page=3).pk])
    )
    assert in_view(), "after choosing a page"
    screenshot(page, "viewer")
    form.get_by_label("审核意见").fill("原件已核对，同意。")
    page.once("dialog", lambda dialog: dialog.accept())  # 同意 asks for confirmation first
    form.get_by_role("button", name="同意", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("已同意")
    page.wait_for_load_state("networkidle")  # the new page's thumbnails, before the database is flushed
    print(f"request page height with 8 scans: {height} px")
