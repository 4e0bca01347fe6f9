"""Transfer case 4 of the guide, clicked through headless Chromium by each role in turn (docs/domain.md, "The transfer rule").

陈静 (320583198706060056) holds 建材 and 地基 certificates at 无锡市建设工程质量检测中心 (wx-dual) and moves
to 苏州建科建材检测有限公司 (sz-jc, 建材 only): after the cities and the province approve, her 建材
certificate is 无信用档案 at 苏州建科建材 and her 地基 certificate is 调离.
"""

import io
import re

from PIL import Image, ImageDraw
from playwright.sync_api import Page, expect
from reportlab.pdfgen import canvas

PERSON, ID_NUMBER = "陈静", "320583198706060056"
JC_NUMBER = "苏JC-2017-00310"
RECEIVING = "苏州建科建材检测有限公司"
PDF_VIEWER = "chrome-extension://mhjfbmdgcfjbbpaeojofohoefgiehjai/"  # Chromium's built-in PDF viewer


# ---- real scan files on disk, for <input type=file> ------------------------------------------------


def write_jpeg(path, colour=(200, 40, 40), text=""):
    image = Image.new("RGB", (240, 320), (250, 250, 245))
    draw = ImageDraw.Draw(image)
    draw.ellipse((40, 40, 200, 200), outline=colour, width=8)  # a red "stamp": a colour scan
    draw.text((20, 260), text, fill=(20, 20, 20))
    image.save(path, "JPEG", quality=85)
    return path


def write_png(path):
    image = Image.new("RGB", (200, 140), (30, 90, 200))
    ImageDraw.Draw(image).rectangle((20, 20, 180, 120), outline=(220, 30, 30), width=5)
    image.save(path, "PNG")
    return path


def write_pdf(path):
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(72, 720, "Social security payment list (scan)")
    c.showPage()
    c.save()
    path.write_bytes(buf.getvalue())
    return path


# ---- the guide's words -----------------------------------------------------------------------------


def menu(page: Page):
    return page.get_by_role("navigation", name="菜单")


def open_review_queue(page: Page, module="jc"):
    """审核 → 人员变更审批, within the module's section (both sections have an entry of that name)."""
    link = menu(page).locator(f"a[href*='/m/{module}/review/transfer/']")
    expect(link).to_contain_text("人员变更审批")
    link.click()
    expect(page.locator("h1")).to_have_text("人员变更审批")


def row_of(page: Page, table: str, text: str):
    return page.locator(f"{table} tbody tr", has_text=text)


def approve(page: Page, opinion: str):
    """On the request page: type an opinion and click 同意."""
    form = page.locator("#decision-form")
    form.get_by_label("审核意见").fill(opinion)
    page.once("dialog", lambda dialog: dialog.accept())  # 同意 asks first
    form.get_by_role("button", name="同意", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("已同意")


def review_from_queue(page: Page, opinion: str, module="jc"):
    page.goto("/")
    open_review_queue(page, module)
    row = row_of(page, "#queue", PERSON)
    expect(row).to_contain_text(RECEIVING)
    row.get_by_role("link", name="审批").click()
    expect(page.locator("h1")).to_contain_text("人员变更调离")
    approve(page, opinion)


def check_contract_pages(page: Page):
    """The viewer's strip shows the labour contract in page order, and the thumbnails really load."""
    group = page.locator("#attachments h2:has-text('劳动合同') + .pages")
    captions = group.locator("figcaption")
    expect(captions).to_have_count(3)
    pages = [int(re.search(r"第(\d+)页", t).group(1)) for t in captions.all_inner_texts()]
    assert pages == [1, 2, 3]
    images = group.locator("img")
    expect(images).to_have_count(3)
    for img in images.all():
        img.scroll_into_view_if_needed()  # loading="lazy": only loads near the viewport
        page.wait_for_function("img => img.complete", arg=img.element_handle())
        assert img.evaluate("img => img.naturalWidth") > 0, img.get_attribute("alt")


def check_pdf_inline(page: Page):
    """The 社保缴费清单 PDF, chosen in the strip, is served inline, sandboxed, and Chromium still shows it
    in the large viewer's <iframe>."""
    page.locator("#attachments h2:has-text('社保缴费清单') + .pages a[data-view]").click()
    iframe = page.locator("#scan-viewer iframe")
    expect(iframe).to_have_count(1)
    response = page.request.get(iframe.get_attribute("src"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline")
    assert response.headers["content-security-policy"].startswith("sandbox")
    # Chromium (156) shows it despite the CSP sandbox: its PDF viewer, an extension frame, opens inside
    # the <iframe>. A frame blocked by the sandbox would get an error page and no viewer.
    iframe.scroll_into_view_if_needed()
    outer = iframe.element_handle().content_frame()

    def viewer_opened(frame=None):
        return any(f.url.startswith(PDF_VIEWER) for f in (outer.child_frames if frame is None else [frame]))

    if not viewer_opened():
        page.wait_for_event("framenavigated", predicate=viewer_opened)


def test_dual_certificate_holder_moves_to_a_single_kind_institution(open_as, tmp_path, screenshot):
    # 1. wx-dual files the transfer: 人员变更调离 → 添加变更.
    wx = open_as("wx-dual")
    expect(wx.locator("header.top")).to_have_css("background-color", "rgb(31, 78, 140)")  # app.css loaded
    menu(wx).get_by_role("link", name="人员变更调离").click()
    wx.get_by_role("link", name="添加变更").click()
    person = wx.get_by_label("调离人员")
    person.select_option(person.locator("option", has_text=PERSON).get_attribute("value"))
    receiving = wx.get_by_label("调入机构")
    receiving.select_option(receiving.locator("option", has_text=RECEIVING).get_attribute("value"))
    wx.get_by_label("解除劳动关系证明").set_input_files(write_jpeg(tmp_path / "解除劳动关系证明.jpg"))
    screenshot(wx, "wx-dual-add-transfer")
    wx.get_by_role("button", name="提交").click()
    expect(wx.locator("h1")).to_contain_text("待接收")
    expect(wx.locator(".messages")).to_contain_text("等待调入机构接收")
    request_path = re.sub(r"^https?://[^/]+", "", wx.url)
    assert re.fullmatch(r"/applications/\d+/", request_path), request_path

    # 2. sz-jc receives it: 人员变更调离 → 待接收 → 接收, uploading contract pages, social security, certificate.
    sz = open_as("sz-jc")
    menu(sz).get_by_role("link", name="人员变更调离").click()
    row = row_of(sz, "table.grid", PERSON)
    expect(row).to_contain_text("待接收")
    row.get_by_role("link", name="接收").click()
    accept = sz.locator("#accept-form")
    contract = tmp_path / "contract"
    contract.mkdir()
    # Chosen out of order: the system sorts pages by the number in their names.
    accept.get_by_label("劳动合同").set_input_files(
        [write_jpeg(contract / f"{n}.jpg", text=f"page {n}") for n in (3, 1, 2)]
    )
    accept.get_by_label("社保缴费清单").set_input_files(write_pdf(tmp_path / "社保缴费清单.pdf"))
    accept.get_by_label("上岗证").set_input_files(write_png(tmp_path / "上岗证.png"))
    accept.get_by_role("button", name="接收", exact=True).click()
    expect(sz.locator("h1")).to_contain_text("待市级审核")

    # 3. The two cities review (the outgoing one sees the scans inline first), then the province.
    wuxi = open_as("wuxi")
    wuxi.goto(request_path)
    check_contract_pages(wuxi)
    check_pdf_inline(wuxi)
    screenshot(wuxi, "wuxi-request-page")
    review_from_queue(wuxi, "无锡：解除劳动关系证明原件已核对，同意。")
    expect(wuxi.locator("h1")).to_contain_text("待市级审核")  # 苏州 has not reviewed yet
    screenshot(wuxi, "wuxi-approved")

    suzhou = open_as("suzhou")
    review_from_queue(suzhou, "苏州：劳动合同、社保缴费清单已核对，同意。")
    expect(suzhou.locator("h1")).to_contain_text("待省级复核")

    province = open_as("province")
    province.goto("/")
    open_review_queue(province, "dj")  # a dual-certificate transfer is found under both modules
    expect(row_of(province, "#queue", PERSON)).to_have_count(1)
    review_from_queue(province, "复核同意。")
    expect(province.locator("h1")).to_contain_text("已通过")
    screenshot(province, "province-approved")

    # 4. The effect, as sz-jc sees it: 【工程质量检测诚信管理】→ 人员诚信管理 → 基本信息 → 陈静.
    sz.goto("/")
    people = menu(sz).locator(
        "xpath=.//h3[normalize-space()='【工程质量检测诚信管理】']"
        "/following-sibling::h4[normalize-space()='人员诚信管理'][1]/following-sibling::a[1]"
    )
    expect(people).to_have_text("基本信息")
    people.click()
    expect(sz.locator("h1")).to_contain_text("人员诚信管理")
    sz.get_by_role("link", name=PERSON, exact=True).click()
    expect(sz.locator("h1")).to_have_text(PERSON)
    certificates = sz.locator("#certificates")
    expect(certificates.locator("tr[data-kind='JC']")).to_contain_text("无信用档案")
    expect(certificates.locator("tr[data-kind='JC']")).to_contain_text(RECEIVING)
    expect(certificates.locator("tr[data-kind='DJ']")).to_contain_text("调离")
    screenshot(sz, "sz-jc-person")

    # ... and the public 公告, without logging in: name and certificate number, never the ID number.
    public = open_as(None)
    public.goto("/announcements/")
    row = row_of(public, "#announcements", PERSON)
    expect(row).to_contain_text(JC_NUMBER)
    assert ID_NUMBER not in public.content()
    screenshot(public, "announcements")
