"""补证 → 打印 → 寄出 → 发放, and the public check a printed certificate's QR code opens (docs/domain.md: 人员上岗证补办, public pages).

张伟 (南京市建设工程质量检测中心, nj-dual) lost both his certificates, 苏JC-2019-00012 and 苏DJ-2019-00012.
After 南京 and the province approve the reissue, the province prints edition 2 of both into one PDF, marks
them printed and mails them to 南京, which hands them out (发放). Anyone can then scan the QR code: edition 2 is
the current one, the lost edition 1 is void.
"""

import io
import re
import subprocess

from django.contrib.auth import get_user_model
from django.utils.datastructures import MultiValueDict
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from certificates.forms import ReissueForm
from certificates.models import PostCertificate, PrintTask
from certificates.reissue import file_reissue
from certificates.verification import read_token, verify_path
from reviews.actions import decide
from tests import files

PERSON, ID_NUMBER = "张伟", "320102198503120012"
JC_NUMBER, DJ_NUMBER = "苏JC-2019-00012", "苏DJ-2019-00012"
RECIPIENT = "南京市建设工程质量检测中心 王芳"
TRACKING = "EMS1102345678"


# ---- scans, handed to <input type=file> as in-memory files -----------------------------------------


def jpeg(name: str) -> dict:
    return {"name": name, "mimeType": "image/jpeg", "buffer": files.jpeg_bytes()}


def pdf(name: str) -> dict:
    return {"name": name, "mimeType": "application/pdf", "buffer": files.pdf_bytes("社保缴费清单")}


# ---- the guide's words -----------------------------------------------------------------------------


def menu(page: Page):
    return page.get_by_role("navigation", name="菜单")


def tasks(page: Page, table="#print-tasks"):
    return page.locator(f"{table} tbody tr", has_text=PERSON)


def review(page: Page, opinion: str, module: str):
    """审核 → 人员补证审批 (in the module's section) → the request's 审批 → opinion → 同意."""
    page.goto("/")
    link = menu(page).locator(f"a[href*='/m/{module}/review/reissue/']")
    expect(link).to_contain_text("人员补证审批")
    link.click()
    expect(page.locator("h1")).to_have_text("人员补证审批")
    page.locator("#queue tbody tr", has_text=PERSON).get_by_role("link", name="审批").click()
    expect(page.locator("h1")).to_contain_text("人员上岗证补办")
    form = page.locator("#decision-form")
    form.get_by_label("审核意见").fill(opinion)
    page.once("dialog", lambda dialog: dialog.accept())  # 同意 asks first
    form.get_by_role("button", name="同意", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("已同意")


def open_tab(page: Page, name: str):
    page.locator(".tabs").get_by_role("link", name=name, exact=True).click()
    expect(page.locator(".tabs a.on")).to_have_text(name)


def pdf_facts(data: bytes, tmp_path) -> tuple[int, str, str]:
    """(pages, all text, the URL in page 1's QR code), the QR read from a 150 dpi rendering by zbarimg."""
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    source = tmp_path / "printed.pdf"
    source.write_bytes(data)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", source, tmp_path / "p1"], check=True
    )
    png = next(tmp_path.glob("p1*.png"))
    qr = subprocess.run(["zbarimg", "--raw", "-q", png], check=True, capture_output=True)
    return len(reader.pages), text, qr.stdout.decode("ascii").strip()


def qr_pattern(site: str) -> str:
    return re.escape(site) + r"/verify/qr/[^/?#]+/"


# ---- the tests -------------------------------------------------------------------------------------


def test_reissued_certificates_are_printed_mailed_and_handed_out(open_as, site, tmp_path, screenshot):
    # 1. nj-dual: 【诚信变更管理】→ 人员上岗证补办 → 添加补办, both of 张伟's certificates.
    nj = open_as("nj-dual")
    menu(nj).get_by_role("link", name="人员上岗证补办").click()
    expect(nj.locator("h1")).to_have_text("人员上岗证补办")
    nj.get_by_role("link", name="添加补办").click()
    nj.get_by_label(JC_NUMBER).check()
    nj.get_by_label(DJ_NUMBER).check()
    nj.get_by_label("补证原因").fill("证书遗失，已在《新华日报》登报声明作废。")
    nj.get_by_label("登报声明").set_input_files(jpeg("登报声明.jpg"))
    nj.get_by_label("劳动合同").set_input_files([jpeg("2.jpg"), jpeg("1.jpg")])
    nj.get_by_label("社保缴费清单").set_input_files(pdf("社保缴费清单.pdf"))
    nj.get_by_role("button", name="提交").click()
    expect(nj.locator("h1")).to_contain_text("待市级审核")

    # 2. 南京 reviews (from the 地基 queue: the request is under both modules), then the province.
    review(open_as("nanjing"), "登报声明、劳动合同、社保缴费清单原件已核对，同意。", "dj")
    province = open_as("province")
    review(province, "复核同意，补发第2版。", "jc")
    expect(province.locator("h1")).to_contain_text("已通过")

    # 3. The province: 机构与证书管理 → 证书打印 → 全选 → 打印所选: one PDF, a page per certificate.
    province.goto("/")
    menu(province).get_by_role("link", name="证书打印").click()
    expect(province.locator("h1")).to_have_text("证书打印")
    expect(province.locator(".tabs a.on")).to_have_text("待打印")
    rows = tasks(province)
    expect(rows).to_have_count(2)
    for number in (JC_NUMBER, DJ_NUMBER):
        expect(rows.filter(has_text=number)).to_contain_text("第2版")
        expect(rows.filter(has_text=number)).to_contain_text("南京市")
    province.get_by_label("全选").check()
    for number in (JC_NUMBER, DJ_NUMBER):
        expect(province.get_by_label(f"选择 {number}")).to_be_checked()
    screenshot(province, "print-queue")
    # formtarget=_blank opens a tab; the response is an attachment, so Chromium closes that tab again and
    # Playwright reports the download on the page the button was clicked in.
    with province.expect_download() as printed:
        province.get_by_role("button", name="打印所选").click()
    download = printed.value
    assert download.suggested_filename.endswith("-2份.pdf"), download.suggested_filename
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    pages, text, qr = pdf_facts(saved.read_bytes(), tmp_path)
    assert pages == 2
    for expected in (PERSON, JC_NUMBER, DJ_NUMBER, "第2版"):
        assert expected in text, expected
    assert re.fullmatch(qr_pattern(site), qr), qr

    # 4. 标记已打印 (the same boxes still ticked) → 已打印; tick them again, 快递单号, 寄出 → 已寄出.
    province.get_by_role("button", name="标记已打印").click()
    expect(province.locator(".messages")).to_contain_text("已标记 2 份证书为已打印")
    expect(province.locator(".tabs a.on")).to_have_text("已打印")
    expect(rows).to_have_count(2)
    for row in rows.all():
        expect(row).to_contain_text("已打印")
    for number in (JC_NUMBER, DJ_NUMBER):
        province.get_by_label(f"选择 {number}").check()
    province.get_by_label("快递单号").fill(TRACKING)
    province.get_by_role("button", name="寄出", exact=True).click()
    expect(province.locator(".messages")).to_contain_text("已寄出 2 份证书至南京市")
    expect(province.locator(".tabs a.on")).to_have_text("已寄出")
    expect(rows).to_have_count(2)
    for row in rows.all():
        expect(row).to_contain_text("已寄出")
        expect(row).to_contain_text(TRACKING)
    open_tab(province, "待打印")
    expect(tasks(province)).to_have_count(0)

    # 5. 南京: 证书管理 → 证书发放 → 领取人 → 发放, each certificate; then the 已发放 tab.
    nanjing = open_as("nanjing")
    menu(nanjing).get_by_role("link", name="证书发放").click()
    expect(nanjing.locator("h1")).to_have_text("证书发放")
    incoming = tasks(nanjing, "#deliveries")
    expect(incoming).to_have_count(2)
    for number in (JC_NUMBER, DJ_NUMBER):
        row = incoming.filter(has_text=number)
        expect(row).to_contain_text(TRACKING)
        row.get_by_placeholder("领取人").fill(RECIPIENT)
        row.get_by_role("button", name="发放").click()
        expect(nanjing.locator(".messages")).to_contain_text("已发放")
    expect(incoming).to_have_count(0)
    open_tab(nanjing, "已发放")
    for number in (JC_NUMBER, DJ_NUMBER):
        expect(incoming.filter(has_text=number)).to_contain_text(RECIPIENT)
    screenshot(nanjing, "delivered")
    delivered = PrintTask.objects.filter(certificate__number__in=[JC_NUMBER, DJ_NUMBER])
    assert sorted(delivered.values_list("state", "edition", "recipient")) == [("delivered", 2, RECIPIENT)] * 2


def test_the_printed_qr_code_tells_the_current_edition_from_a_void_one(open_as, site, tmp_path, screenshot):
    # Preconditions through the domain actions: 张伟's two certificates reissued and approved.
    users = get_user_model().objects
    institution = users.get(username="nj-dual").institution
    certificates = PostCertificate.objects.filter(number__in=[JC_NUMBER, DJ_NUMBER])
    form = ReissueForm(
        {"certificates": [c.pk for c in certificates], "reason": "证书遗失"},
        MultiValueDict(
            {
                "newspaper_notice": [files.jpeg("登报声明.jpg")],
                "labour_contract": [files.jpeg("1.jpg"), files.jpeg("2.jpg")],
                "social_security": [files.pdf("社保缴费清单.pdf")],
            }
        ),
        institution=institution,
    )
    assert form.is_valid(), form.errors
    reissue = file_reissue(
        users.get(username="nj-dual"), form.cleaned_data["certificates"], "证书遗失", form.scans_by_type()
    )
    decide(reissue.pk, users.get(username="nanjing"), "approve", "同意")
    decide(reissue.pk, users.get(username="province"), "approve", "复核同意")

    # The PDF the province prints (打印所选 is a GET of this form), and the URL in page 1's QR code.
    province = open_as("province")
    ids = "&".join(f"ids={t.pk}" for t in PrintTask.objects.filter(application=reissue))
    response = province.request.get(f"/printing/pdf/?{ids}")
    assert response.ok and response.headers["content-type"] == "application/pdf"
    _, _, qr = pdf_facts(response.body(), tmp_path)
    assert re.fullmatch(qr_pattern(site), qr), qr
    paper = PrintTask.objects.get(pk=read_token(qr.rstrip("/").rsplit("/", 1)[1]).task_id)
    assert paper.edition == 2
    printed = paper.certificate

    # Anyone scanning the new paper certificate: it is the current edition.
    public = open_as(None)
    public.goto(qr)
    result = public.locator("#verify-result")
    expect(result).to_contain_text("此纸质证书为第2版，是当前版本")
    expect(result.locator("tr", has_text="证书编号")).to_contain_text(printed.number)
    expect(result.locator("tr", has_text="持证人")).to_contain_text("张*")
    assert ID_NUMBER not in public.content()
    screenshot(public, "verify-qr-current")

    # ... and the lost edition 1, should someone still show it: void, edition 2 is current.
    public.goto(verify_path(printed, 1))
    expect(result).to_contain_text("已作废")
    expect(result).to_contain_text("此纸质证书为第1版，已作废；当前为第2版")
    screenshot(public, "verify-qr-void")

    # 证书查询 from the header, by number and name.
    public.locator("header.top").get_by_role("link", name="证书查询").click()
    expect(public.locator("h1")).to_have_text("证书查询")
    public.get_by_label("证书编号").fill(JC_NUMBER)
    public.get_by_label("持证人姓名").fill(PERSON)
    public.get_by_role("button", name="查询").click()
    expect(result.locator("tr", has_text="证书编号")).to_contain_text(JC_NUMBER)
    expect(result.locator("tr", has_text="证书状态")).to_contain_text("正常")
    expect(result.locator("tr", has_text="当前版次")).to_contain_text("第2版")
    expect(result).not_to_contain_text("作废")  # no printed edition to judge from a plain search
    assert ID_NUMBER not in public.content()
    screenshot(public, "verify-search")
