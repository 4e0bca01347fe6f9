"""The left menu of every kind of role, and the two filings (docs/domain.md: 人员备案, 机构备案), clicked through headless Chromium.

1. Each menu entry of province, a city, a dual, a 建材-only and a 地基-only institution opens a working page,
   and the menu's sections are the guide's for that role.
2. 人员备案: nj-jc adds 周敏 with the five kinds of scans; 南京 approves, the province confirms; nj-jc's
   people list shows her with a masked ID number.
3. 机构备案: nj-jc extends 水泥 / 水泥物理性能 (扩项) and adds 砂石常规检测 (增项); the province sees the
   before/after comparison and approves; the institution's 检测能力 then shows both.
"""

import re

from django.contrib.auth import get_user_model
from PIL import Image
from playwright.sync_api import Page, expect

from reviews.actions import decide
from tests import files

ERROR_TEXTS = ("Traceback", "Server Error", "OperationalError")
NJ_JC = "南京华宁建材检测有限公司"
JC_TITLE, DJ_TITLE = "【工程质量检测诚信管理】", "【地基基础检测诚信管理】"
CHANGES_TITLE = "【诚信变更管理】"
REVIEW_LABELS = ["人员变更审批", "人员补证审批", "人员注销审核", "人员备案审核", "机构备案审核"]

# Read the menu as the person sees it: [{title, entries: [{group, label, href}]}], in order.
READ_MENU = """nav => {
  const sections = [];
  let group = "";
  for (const el of nav.children) {
    if (el.tagName === "H3") { sections.push({title: el.textContent.trim(), entries: []}); group = ""; }
    else if (el.tagName === "H4") { group = el.textContent.trim(); }
    else if (el.tagName === "A") {
      sections[sections.length - 1].entries.push(
        {group, label: el.querySelector("span").textContent.trim(), href: el.getAttribute("href")});
    }
  }
  return sections;
}"""


def menu(page: Page):
    return page.get_by_role("navigation", name="菜单")


def read_menu(page: Page) -> list[dict]:
    return page.locator("nav.side").evaluate(READ_MENU)


def menu_link(page: Page, section: str, group: str, label: str):
    """The entry ``label`` under ``group`` (an <h4>) in ``section`` (an <h3>) of the left menu."""
    return menu(page).locator(
        f"xpath=./a[preceding-sibling::h3[1][normalize-space()='{section}']]"
        f"[preceding-sibling::h4[1][normalize-space()='{group}']]"
        f"[span[1][normalize-space()='{label}']]"  # the second <span>, if any, is the 待办 count
    )


def path_of(page: Page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url)


def scan(name: str, mime: str, data: bytes) -> dict:
    return {"name": name, "mimeType": mime, "buffer": data}


def approve(page: Page, opinion: str):
    form = page.locator("#decision-form")
    form.get_by_label("审核意见").fill(opinion)
    page.once("dialog", lambda dialog: dialog.accept())  # 同意 asks first
    form.get_by_role("button", name="同意", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("已同意")


def open_from_queue(page: Page, module: str, review_type: str, label: str, row_text: str):
    """审核 → <label> in the module's section → the row with ``row_text`` → 审核."""
    page.goto("/")
    title = JC_TITLE if module == "jc" else DJ_TITLE
    link = menu_link(page, title, "审核", label)
    expect(link).to_have_attribute("href", f"/m/{module}/review/{review_type}/")
    link.click()
    expect(page.locator("h1")).to_have_text(label)
    row = page.locator("#queue tbody tr", has_text=row_text)
    expect(row).to_have_count(1)
    verb = "审批" if label in ("人员变更审批", "人员补证审批") else "审核"  # the guide's verb per process
    row.get_by_role("link", name=verb).click()


# ---- 1. every menu entry of every kind of role --------------------------------------------------------


def expected_sections(username: str) -> dict:
    """{section title: {group: [labels]}} as the guide describes the role's menu."""
    module = {"机构诚信管理": ["基本信息"], "人员诚信管理": ["基本信息", "证书信息"]}
    reviewing = {**module, "审核": REVIEW_LABELS}
    province_reviewing = {**module, "审核": [*REVIEW_LABELS, "信用记录复核", "信用申诉审核"]}
    changes = {CHANGES_TITLE: {"": ["人员变更调离", "人员上岗证补办", "人员注销"]}}
    if username == "province":
        return {
            JC_TITLE: province_reviewing,
            DJ_TITLE: province_reviewing,
            "【证书管理】": {"": ["证书打印", "证书收回"]},
            "【统计分析】": {"": ["统计分析"]},
            "【机构管理】": {"": ["新增检测机构", "资质到期提醒"]},
            "【系统管理】": {"": ["账号管理", "安全审计", "登录安全", "办理时限"]},
            "【信用管理】": {"": ["信用记录", "信用评价", "信用行为目录", "评价规则"]},
        }
    if username == "nanjing":
        return {
            JC_TITLE: reviewing,
            DJ_TITLE: reviewing,
            "【证书管理】": {"": ["证书发放"]},
            "【统计分析】": {"": ["统计分析"]},
            "【机构管理】": {"": ["资质到期提醒"]},
            "【信用管理】": {"": ["信用记录", "信用评价"]},
        }
    modules = {"nj-dual": [JC_TITLE, DJ_TITLE], "nj-jc": [JC_TITLE], "sz-dj": [DJ_TITLE]}[username]
    # A single-kind institution may apply for the other kind (增项 of a kind, through 机构备案).
    missing = {"nj-jc": {"【资质增项】": {"": ["申请地基资质"]}},
               "sz-dj": {"【资质增项】": {"": ["申请建材资质"]}}}.get(username, {})  # fmt: skip
    recovery = {"【证书管理】": {"": ["证书收回"]}}
    credit = {"【信用管理】": {"": ["信用记录"]}}
    return {**changes, **recovery, **{title: module for title in modules}, **missing, **credit}


def test_every_menu_entry_opens_a_page_for_every_kind_of_role(open_as):
    for username in ("province", "nanjing", "nj-dual", "nj-jc", "sz-dj"):
        page = open_as(username)
        sections = read_menu(page)

        shown = {}
        for section in sections:
            groups = shown.setdefault(section["title"], {})
            for entry in section["entries"]:
                groups.setdefault(entry["group"], []).append(entry["label"])
        assert shown == expected_sections(username), username
        assert list(shown) == list(expected_sections(username)), f"{username}: section order"

        hrefs = [e["href"] for s in sections for e in s["entries"]]
        assert len(hrefs) == len(set(hrefs)), f"{username}: two menu entries lead to the same page"
        for href in hrefs:
            response = page.goto(href)
            where = f"{username} {href}"
            assert response.status == 200, f"{where}: HTTP {response.status}"
            expect(page.locator("main h1"), where).to_have_count(1)
            assert page.locator("main h1").inner_text().strip(), where
            text = page.content()
            for error in ERROR_TEXTS:
                assert error not in text, f"{where}: {error}"
            # The entry for the page just opened is the highlighted one.
            expect(page.locator("nav.side a.active"), where).to_have_attribute("href", href)


# ---- 2. 人员备案: a new person ------------------------------------------------------------------------

NEW_PERSON, NEW_ID = "周敏", "320104199003070028"


def test_new_person_is_filed_reviewed_and_listed(open_as, screenshot):
    jc = open_as("nj-jc")
    menu_link(jc, JC_TITLE, "人员诚信管理", "基本信息").click()
    expect(jc.locator("h1")).to_have_text("人员诚信管理 · 基本信息")
    jc.get_by_role("link", name="添加人员").click()
    expect(jc.locator("h1")).to_contain_text("添加人员")

    jc.get_by_label("姓名").fill(NEW_PERSON)
    jc.get_by_label("身份证号").fill(NEW_ID)
    jc.get_by_label("学历", exact=True).fill("本科")
    jc.get_by_label("职称", exact=True).fill("工程师")
    jpeg, png, pdf = files.jpeg_bytes(), files.png_bytes(), files.pdf_bytes("scan")
    jc.get_by_label("身份证正反面").set_input_files(
        [scan("身份证正面.jpg", "image/jpeg", jpeg), scan("身份证反面.jpg", "image/jpeg", jpeg)]
    )
    jc.get_by_label("学历证书").set_input_files(scan("学历证书.pdf", "application/pdf", pdf))
    jc.get_by_label("职称证书").set_input_files(scan("职称证书.png", "image/png", png))
    jc.get_by_label("劳动合同").set_input_files(
        [scan("2.jpg", "image/jpeg", jpeg), scan("1.jpg", "image/jpeg", jpeg)]
    )
    jc.get_by_label("社保缴费清单").set_input_files(scan("社保缴费清单.pdf", "application/pdf", pdf))
    jc.get_by_role("button", name="提交").click()

    expect(jc.locator("h1")).to_contain_text("人员备案")
    expect(jc.locator("h1")).to_contain_text("待市级审核")
    expect(jc.locator(".messages")).to_contain_text("人员备案已提交")
    expect(jc.locator("main")).to_contain_text("新增人员")
    expect(jc.locator("#filing-comparison")).to_contain_text(NEW_PERSON)
    request_path = path_of(jc)
    assert re.fullmatch(r"/applications/\d+/", request_path), request_path

    nanjing = open_as("nanjing")
    # The queue names the person to be filed, although no Person exists until the province confirms.
    open_from_queue(nanjing, "jc", "personnel_filing", "人员备案审核", NEW_PERSON)
    assert path_of(nanjing) == request_path
    expect(nanjing.locator("#filing-comparison")).to_contain_text(NEW_ID)
    screenshot(nanjing, "nanjing-personnel-filing")
    approve(nanjing, "南京：身份证、学历、职称、劳动合同、社保原件已核对，同意。")
    expect(nanjing.locator("h1")).to_contain_text("待省级复核")

    province = open_as("province")
    open_from_queue(province, "jc", "personnel_filing", "人员备案审核", NEW_PERSON)
    approve(province, "确认。")
    expect(province.locator("h1")).to_contain_text("已通过")

    jc.goto("/")
    menu_link(jc, JC_TITLE, "人员诚信管理", "基本信息").click()
    row = jc.locator("table.grid tbody tr", has_text=NEW_PERSON)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("3201**********0028")
    assert NEW_ID not in jc.content()
    screenshot(jc, "nj-jc-people")


# ---- 3. 机构备案 with 扩项 and 增项 --------------------------------------------------------------------

OLD_CEMENT = "细度、凝结时间、安定性、胶砂强度"
NEW_CEMENT = "细度、凝结时间、安定性、胶砂强度、比表面积"
ADDED = "砂石｜砂石常规检测｜颗粒级配、含泥量"


def test_institution_filing_extends_and_adds_capabilities(open_as, screenshot, tmp_path):
    scan_jpeg = tmp_path / "资质证书正本.jpg"
    Image.new("RGB", (120, 90), (200, 40, 40)).save(scan_jpeg, "JPEG")
    jc = open_as("nj-jc")
    menu_link(jc, JC_TITLE, "机构诚信管理", "基本信息").click()
    expect(jc.locator("h1")).to_have_text(NJ_JC)
    jc.get_by_role("link", name="机构备案").click()
    expect(jc.locator("h1")).to_have_text(f"机构备案 · {NJ_JC}")
    jc.get_by_label("资质证书正本扫描件").set_input_files(str(scan_jpeg))
    extend = jc.get_by_label("扩项：水泥 / 水泥物理性能")
    expect(extend).to_have_value("")
    extend.fill(NEW_CEMENT)
    jc.get_by_label("增项（新增检测能力）").fill(ADDED)
    jc.get_by_role("button", name="提交备案").click()
    expect(jc.locator(".messages")).to_contain_text("机构备案已提交")
    expect(jc.locator("h1")).to_contain_text("待市级审核")
    request_path = path_of(jc)
    request_id = int(re.fullmatch(r"/applications/(\d+)/", request_path).group(1))

    # 南京's step, directly (the personnel test clicks a city's review).
    decide(request_id, get_user_model().objects.get(username="nanjing"), "approve", "南京：同意。")

    province = open_as("province")
    open_from_queue(province, "jc", "institution_filing", "机构备案审核", NJ_JC)
    assert path_of(province) == request_path
    expect(province.locator("h1")).to_contain_text("待省级复核")
    changes = province.locator("#capability-changes")
    extended = changes.locator("tbody tr", has_text="水泥物理性能")
    expect(extended).to_contain_text("扩项")
    expect(extended.locator("td").nth(3)).to_have_text(OLD_CEMENT)
    expect(extended.locator("td").nth(4)).to_have_text(NEW_CEMENT)
    added = changes.locator("tbody tr", has_text="砂石常规检测")
    expect(added).to_contain_text("增项")
    expect(added.locator("td").nth(1)).to_have_text("砂石")
    expect(added.locator("td").nth(3)).to_have_text("—")
    expect(added.locator("td").nth(4)).to_have_text("颗粒级配、含泥量")
    expect(changes.locator("tbody tr")).to_have_count(2)
    screenshot(province, "province-institution-filing-review")
    approve(province, "检测能力变更经核准，同意。")
    expect(province.locator("h1")).to_contain_text("已通过")

    jc.goto("/")
    menu_link(jc, JC_TITLE, "机构诚信管理", "基本信息").click()
    capabilities = jc.locator("h2:has-text('检测能力') + table tbody")
    expect(capabilities.locator("tr", has_text="砂石常规检测")).to_contain_text("颗粒级配、含泥量")
    expect(capabilities.locator("tr", has_text="水泥物理性能")).to_contain_text("比表面积")
    screenshot(jc, "nj-jc-institution")


def test_filing_form_shows_the_current_validity_dates(open_as):
    jc = open_as("nj-jc")
    jc.goto("/m/jc/institution/filing/")
    expect(jc.get_by_label("有效期起")).to_have_value("2024-01-01", timeout=1000)
    expect(jc.get_by_label("有效期至")).to_have_value("2029-12-31", timeout=1000)
