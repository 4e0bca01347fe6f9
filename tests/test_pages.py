"""The read pages: 人员诚信管理 lists per module, search, masking, paging, scope, query counts, detail pages."""

import datetime
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from certificates.models import PostCertificate
from certificates.transfer import file_transfer
from institutions.models import Institution, Kind, User
from personnel.models import Person
from personnel.validators import id_check_char
from reviews import actions
from reviews.models import Application, State

from .workflow import approve_everywhere, file_cancellation

pytestmark = pytest.mark.django_db

NJ_DUAL = "南京市建设工程质量检测中心"
NJ_JC = "南京华宁建材检测有限公司"
SZ_JC = "苏州建科建材检测有限公司"

JC_HOLDERS = {"张伟", "李娜", "王强", "刘洋", "陈静", "赵磊", "孙丽"}
DJ_HOLDERS = {"张伟", "李娜", "陈静", "杨帆", "赵磊"}


def add_people(institution_name: str, count: int, start: int = 0, kinds=(Kind.JC,)) -> list[Person]:
    """``count`` people with valid generated 身份证号 and a certificate of each kind, at an institution."""
    institution = Institution.objects.get(name=institution_name)
    people = []
    for i in range(start, start + count):
        birth = datetime.date(1970, 1, 1) + datetime.timedelta(days=37 * i)
        first17 = f"320104{birth:%Y%m%d}{i % 1000:03d}"
        people.append(
            Person(
                name=f"测试{i:03d}",
                id_number=first17 + id_check_char(first17),
                gender="男" if i % 2 else "女",
                birth_date=birth,
                institution=institution,
            )
        )
    for person in people:
        person.full_clean()  # the generated ID numbers are valid ones
    people = Person.objects.bulk_create(people)
    PostCertificate.objects.bulk_create(
        PostCertificate(
            kind=kind,
            number=f"苏{kind}-2024-{10000 + start + n:05d}",
            holder=person,
            institution=institution,
            issued_on=datetime.date(2024, 6, 1),
        )
        for n, person in enumerate(people)
        for kind in kinds
    )
    return people


def names_listed(html: str) -> set[str]:
    """The person names linked from a list page."""
    return set(re.findall(r'<a href="/people/\d+/">([^<]+)</a>', html))


def rows(html: str) -> int:
    return len(re.findall(r'<a href="/people/\d+/">', html))


def get(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def queries_for(client, url) -> int:
    client.get(url)  # warm caches (content types, session) so both measurements start alike
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


# --- person lists per module ---------------------------------------------------------------------


def test_it_lists_the_holders_of_the_module_kind(login):
    client = login("nj-dual")
    assert names_listed(get(client, reverse("person_list", args=["jc"]))) == {"张伟", "李娜", "孙丽"}
    assert names_listed(get(client, reverse("person_list", args=["dj"]))) == {"张伟", "李娜"}


def test_it_shows_each_certificate_in_its_module_column(login):
    html = get(login("nj-dual"), reverse("person_list", args=["jc"]))
    row = re.search(r"<tr>\s*<td><a[^>]*>孙丽</a>.*?</tr>", html, re.S).group(0)
    cells = re.findall(r"<td>(.*?)</td>", row, re.S)
    assert "苏JC-2023-00005" in cells[3] and "正常" in cells[3]
    assert cells[4] == "—"  # 孙丽 holds no 地基 certificate


def test_it_shows_a_city_only_its_own_peoples(login):
    html = get(login("nanjing"), reverse("person_list", args=["jc"]))
    assert names_listed(html) == {"张伟", "李娜", "王强", "孙丽"}
    assert "刘洋" not in html and "陈静" not in html
    assert names_listed(get(login("suzhou"), reverse("person_list", args=["dj"]))) == {"杨帆"}


def test_it_shows_the_province_everyone(login):
    province = login("province")
    assert names_listed(get(province, reverse("person_list", args=["jc"]))) == JC_HOLDERS
    assert names_listed(get(province, reverse("person_list", args=["dj"]))) == DJ_HOLDERS


def test_it_masks_id_numbers_in_the_list(login):
    html = get(login("nj-dual"), reverse("person_list", args=["jc"]))
    assert "3201**********0012" in html  # 张伟
    assert "3205**********002X" in html  # 李娜
    for full in ("320102198503120012", "32050619900723002X", "320211199104010082"):
        assert full not in html


@pytest.mark.parametrize(
    ("module", "query", "found"),
    [
        ("jc", "李娜", {"李娜"}),
        ("jc", "孙", {"孙丽"}),
        ("jc", "32050619900723002x", {"李娜"}),  # full 身份证号; a lower-case x is the same number
        ("jc", "320102198503120012", {"张伟"}),
        ("jc", "苏JC-2023-00005", {"孙丽"}),
        ("dj", "苏DJ-2020-00107", {"李娜"}),
        ("jc", "3201021985", set()),  # part of an ID number finds nobody: no guessing by prefix
        ("jc", "320106199211300046", set()),  # 刘洋 exists, but at another institution
        ("jc", "苏JC-2021-00056", set()),  # 刘洋's certificate
        ("dj", "孙丽", set()),  # 孙丽 holds no 地基 certificate
    ],
)
def test_it_searches_by_name_id_number_and_certificate_number_within_scope(login, module, query, found):
    response = login("nj-dual").post(reverse("person_list", args=[module]), {"q": query}, follow=True)
    assert response.status_code == 200
    (url, _status), *_ = response.redirect_chain
    if len(query) == 18:
        assert query.upper() not in url.upper() and "id=" in url, "an ID number never travels in a URL"
    html = response.content.decode()
    assert names_listed(html) == found
    if not found:
        assert "没有符合条件的人员。" in html


def test_it_pages_the_list_by_twenty(login):
    add_people(NJ_DUAL, 45)  # 3 demo holders + 45 = 48 → 20 + 20 + 8
    client = login("nj-dual")
    url = reverse("person_list", args=["jc"])
    pages = [get(client, url, page=n) for n in (1, 2, 3)]
    assert [rows(p) for p in pages] == [20, 20, 8]
    assert "第 2 / 3 页，共 48 条" in pages[1]
    assert "下一页" in pages[1] and "上一页" in pages[1]
    assert "下一页" not in pages[2]
    listed = set().union(*(names_listed(p) for p in pages))
    assert len(listed) == 48 and {"张伟", "李娜", "孙丽"} <= listed
    # the search is kept when paging
    searched = get(client, url, q="测试", page=2)
    assert rows(searched) == 20 and "?q=%E6%B5%8B%E8%AF%95&amp;page=3&amp;after=" in searched


def next_link(html: str, label: str = "下一页") -> str | None:
    found = re.search(rf'<a href="\?([^"]+)">{label}</a>', html)
    return found.group(1).replace("&amp;", "&") if found else None


def test_it_walks_every_row_once_by_the_links_forward_and_back(login):
    """Keyset pages: ties in the sort key (the same name) are broken by pk; nothing is skipped or repeated."""
    same = add_people(NJ_DUAL, 45)
    Person.objects.filter(pk__in=[p.pk for p in same[:30]]).update(name="同名")
    client = login("nj-dual")
    url = reverse("person_list", args=["jc"])
    pages, html = [], get(client, url)
    while True:
        pages.append(re.findall(r'<a href="/people/(\d+)/">', html))
        query = next_link(html)
        if not query:
            break
        assert "after=" in query
        html = client.get(f"{url}?{query}").content.decode()
    assert [len(p) for p in pages] == [20, 20, 8]
    walked = [pk for page in pages for pk in page]
    assert len(walked) == len(set(walked)) == 48
    assert "第 3 / 3 页，共 48 条" in html
    back = []
    while query := next_link(html, "上一页"):
        html = client.get(f"{url}?{query}").content.decode()
        back.append(re.findall(r'<a href="/people/(\d+)/">', html))
    assert back == pages[-2::-1]


def test_it_ignores_a_cursor_that_is_not_its_own(login):
    client = login("nj-dual")
    url = reverse("person_list", args=["jc"])
    for cursor in ("%00", "not-base64!", "WyJhIl0", "W3siYSI6MX1d", "x" * 2000):
        assert rows(get(client, url, after=cursor)) == 3
        assert rows(get(client, url, before=cursor)) == 3


def test_it_caps_the_count_and_keeps_paging(login, monkeypatch):
    import web.pages

    monkeypatch.setattr(web.pages, "COUNT_CAP", 30)
    add_people(NJ_DUAL, 45)
    client = login("nj-dual")
    url = reverse("person_list", args=["jc"])
    first = get(client, url)
    assert "第 1 页，共 30+ 条" in first  # no page total while the count is capped
    third = client.get(f"{url}?{next_link(client.get(f'{url}?{next_link(first)}').content.decode())}")
    assert rows(third.content.decode()) == 8


def test_it_counts_without_sorting(login):
    """The capped count asks for no order: the database stops at the cap however it finds the rows,
    instead of finding and sorting every match first (a city's queue at provincial volume)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login("nanjing")
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("review_queue", args=["jc", "transfer"]), {"age": 7}).status_code == 200
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper() and "LIMIT" in q["sql"]]
    assert counts, "the page counts its rows"
    assert all("ORDER BY" not in sql.upper() for sql in counts), counts


def test_it_lists_ten_or_two_hundred_people_in_the_same_number_of_queries(login):
    add_people(NJ_DUAL, 7)  # 3 + 7 = 10 rows on one page
    client = login("nj-dual")
    url = reverse("person_list", args=["jc"])
    assert rows(get(client, url)) == 10
    ten = queries_for(client, url)
    add_people(NJ_DUAL, 190, start=7, kinds=(Kind.JC, Kind.DJ))
    assert rows(get(client, url)) == 20
    assert "共 200 条" in get(client, url)
    assert queries_for(client, url) == ten


def test_it_lists_the_province_page_in_constant_queries(login):
    client = login("province")
    url = reverse("person_list", args=["dj"])
    few = queries_for(client, url)
    add_people(NJ_DUAL, 60, kinds=(Kind.JC, Kind.DJ))
    add_people(SZ_JC, 60, start=60, kinds=(Kind.JC,))
    assert queries_for(client, url) == few


# --- the review queue and 公告 -------------------------------------------------------------------


def pending_transfers(count: int, start: int = 0) -> list:
    """``count`` transfers nj-jc → sz-jc, each of its own person, accepted: 待市级审核 in 南京 and 苏州."""
    filer, receiver = User.objects.get(username="nj-jc"), User.objects.get(username="sz-jc")
    receiving = Institution.objects.get(name=SZ_JC)
    made = []
    for person in add_people(NJ_JC, count, start=start):
        transfer = file_transfer(filer, person, receiving, {})
        made.append(actions.accept(transfer.pk, receiver, scans_by_type={}))
    assert all(r.state == State.PENDING_CITY for r in made)
    return made


def queue_rows(html: str) -> int:
    return len(re.findall(r'<a href="/applications/\d+/">审[核批]</a>', html))  # the guide's verb per process


def test_it_shows_the_review_queue_in_the_same_number_of_queries_for_2_and_15(login):
    pending_transfers(2)
    client = login("nanjing")
    url = reverse("review_queue", args=["jc", "transfer"])
    assert queue_rows(get(client, url)) == 2
    two = queries_for(client, url)
    pending_transfers(13, start=2)
    html = get(client, url)
    assert queue_rows(html) == 15 and "测试014" in html and SZ_JC in html
    assert queries_for(client, url) == two


def capped(client, url, **query) -> tuple[str, int]:
    """The page's "共 N 条" and how many capped counts it ran for it."""
    with CaptureQueriesContext(connection) as ctx:
        html = get(client, url, **query)
    counts = [q for q in ctx.captured_queries if "COUNT(" in q["sql"].upper() and "LIMIT 201" in q["sql"]]
    return re.search(r"共 (\d+\+?) 条", html).group(1), len(counts)


def test_a_queue_is_counted_once_per_office_and_day_until_the_next_action(login):
    """The count is kept for the office (not the login), the filters and the day; a decision anywhere
    shows at once."""
    made = pending_transfers(3)
    url = reverse("review_queue", args=["jc", "transfer"])

    nanjing = login("nanjing")
    assert capped(nanjing, url) == ("3", 1)
    assert capped(nanjing, url) == ("3", 0)  # from the cache
    colleague = Client()
    colleague.force_login(
        User.objects.create_user("nanjing-2", role="city", city=User.objects.get(username="nanjing").city)
    )
    assert capped(colleague, url) == ("3", 0), "the same office shares the count"
    assert capped(login("suzhou"), url) == ("3", 1), "another office counts its own"
    actions.decide(made[0].pk, User.objects.get(username="nanjing"), "approve", "原件已核对，同意。")
    assert capped(nanjing, url) == ("2", 1)
    assert capped(nanjing, url, age=7) == ("0", 1) and capped(nanjing, url, age=7) == ("0", 0)
    assert capped(nanjing, url) == ("2", 0), "each filter has its own count"


def test_the_people_list_is_counted_once_per_organisation_until_people_change(login):
    url = reverse("person_list", args=["jc"])
    nj = login("nj-jc")
    shown, counted = capped(nj, url)
    assert counted == 1
    assert capped(nj, url) == (shown, 0), "kept for the organisation"
    assert capped(login("sz-jc"), url)[1] == 1, "another organisation counts its own"
    add_people(NJ_JC, 2, start=500)
    assert capped(nj, url) == (str(int(shown) + 2), 1), "new people show at once"
    assert capped(nj, url, q="测试")[0] == "2", "a search has its own count"


def cell_texts(row: str) -> list[str]:
    """The text of each cell of a table row's HTML."""
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def certificate_cells(html: str) -> list[list[str]]:
    """The cells of 证书信息's rows, as text."""
    table = re.search(r'<table class="grid" id="certificate-list">.*?</table>', html, re.S).group(0)
    rows = re.findall(r"<tr><td class=\"nowrap\">.*?</tr>", table, re.S)
    return [cell_texts(r) for r in rows]


@pytest.mark.parametrize("account", ["province", "nj-jc"])
def test_the_certificate_list_shows_each_certificate_and_pages_through_all(login, account):
    people = add_people(NJ_JC, 25, start=100)
    client = login(account)
    url = reverse("certificate_list", args=["jc"])
    first = get(client, url, q="测试")
    second = get(client, f"{url}?{next_link(first)}")
    cells = certificate_cells(first) + certificate_cells(second)
    assert sorted(c[0] for c in cells) == sorted(f"苏JC-2024-{10100 + n:05d}" for n in range(25))
    row = next(c for c in cells if c[0] == "苏JC-2024-10100")
    holder = people[0]
    expected = [
        "苏JC-2024-10100",
        holder.name,
        holder.masked_id_number,
        NJ_JC,
        "正常",
        "2024-06-01",
        "第1版",
    ]
    assert row == ([*expected, "注销"] if account == "province" else expected)
    assert f'<a href="/people/{holder.pk}/">{holder.name}</a>' in first + second


def test_the_certificate_list_shows_an_approval_at_once(login):
    url = reverse("certificate_list", args=["jc"])
    nj = login("nj-jc")
    assert capped(nj, url, status="cancelled") == ("0", 1)
    assert capped(nj, url, status="cancelled") == ("0", 0)
    cancellation = file_cancellation(nj, ["苏JC-2018-00231"])
    assert approve_everywhere(login, cancellation, ["nanjing"]).state == State.APPROVED
    assert capped(nj, url, status="cancelled") == ("1", 1)


@pytest.mark.parametrize(
    "days_ago, hour, shown", [(7, 23, True), (8, 0, True), (6, 0, False), (6, 23, False)]
)
def test_the_waiting_filter_counts_calendar_days(login, days_ago, hour, shown):
    """等待 7 天以上: submitted on a date at least 7 days before today, whatever the hour."""
    made = pending_transfers(1)[0]
    day = timezone.localdate() - datetime.timedelta(days=days_ago)
    submitted = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 30)))
    Application.objects.filter(pk=made.pk).update(submitted_at=submitted)
    html = get(login("nanjing"), reverse("review_queue", args=["jc", "transfer"]), age=7)
    assert queue_rows(html) == (1 if shown else 0)


def test_it_shows_the_queue_only_what_waits_for_this_city(login):
    pending_transfers(2)
    assert queue_rows(get(login("suzhou"), reverse("review_queue", args=["jc", "transfer"]))) == 2
    assert queue_rows(get(login("wuxi"), reverse("review_queue", args=["jc", "transfer"]))) == 0
    assert queue_rows(get(login("nanjing"), reverse("review_queue", args=["dj", "transfer"]))) == 0
    assert queue_rows(get(login("province"), reverse("review_queue", args=["jc", "transfer"]))) == 0


def announce(count: int, start: int = 0):
    users = {u.username: u for u in User.objects.filter(username__in=["nanjing", "suzhou", "province"])}
    for transfer in pending_transfers(count, start=start):
        for who in ("nanjing", "suzhou", "province"):
            actions.decide(transfer.pk, users[who], "approve", "同意")


def announcement_rows(html: str) -> int:
    return html.count("人员变更调离</td>")


def test_it_shows_announcements_in_the_same_number_of_queries_for_2_and_15(client, demo):
    announce(2)
    url = reverse("announcement_list")
    assert announcement_rows(get(client, url)) == 2
    two = queries_for(client, url)
    announce(13, start=2)
    html = get(client, url)
    assert announcement_rows(html) == 15 and "测试014" in html and "苏JC-2024-10014" in html
    assert queries_for(client, url) == two


# --- detail pages --------------------------------------------------------------------------------


def test_it_shows_an_institution_its_qualifications_and_capabilities(login):
    html = get(login("nj-dual"), reverse("institution_info", args=["jc"]))
    assert NJ_DUAL in html and "12320100466000012G" in html
    assert "苏建检字第00012G号" in html and "苏建地检字第00012G号" in html
    assert "2024-01-01 至 2029-12-31" in html
    for item in ("水泥物理性能", "钢筋力学性能", "混凝土抗压强度", "桩身完整性", "单桩竖向抗压承载力"):
        assert item in html
    assert "3 人" in html


def test_it_shows_a_single_kind_institution_only_its_own_kind(login):
    html = get(login("nj-jc"), reverse("institution_info", args=["jc"]))
    assert NJ_JC in html and "苏建检字第" in html and "水泥物理性能" in html
    assert "苏建地检字第" not in html and "桩身完整性" not in html


def test_it_lists_a_city_the_institutions_of_its_city_holding_the_kind(login):
    html = get(login("suzhou"), reverse("institution_info", args=["dj"]))
    assert "苏州岩土地基检测有限公司" in html
    assert SZ_JC not in html and NJ_DUAL not in html


def certificate_rows(html: str) -> dict:
    """{kind: [cell texts]} of the 岗位合格证书 table on a person page."""
    found = {}
    for kind, row in re.findall(r'<tr data-kind="(\w+)">(.*?)</tr>', html, re.S):
        found[kind] = cell_texts(row)
    return found


def test_it_shows_a_person_both_certificates_with_their_status(login):
    person = Person.objects.get(name="张伟")
    html = get(login("nj-dual"), reverse("person_detail", args=[person.pk]))
    assert "3201**********0012" in html and "320102198503120012" not in html
    cells = certificate_rows(html)
    assert cells["JC"][:4] == ["建材", "苏JC-2019-00012", "正常", NJ_DUAL]
    assert cells["DJ"][:4] == ["地基", "苏DJ-2019-00012", "正常", NJ_DUAL]
    assert cells["JC"][5] == "第1版"


def test_it_shows_each_certificate_its_own_status_after_a_transfer(login):
    """陈静 (dual) moves to a 建材-only institution: 建材 无信用档案 there, 地基 调离 with no institution."""
    chen = Person.objects.get(name="陈静")
    users = {u.username: u for u in User.objects.all()}
    transfer = file_transfer(users["wx-dual"], chen, Institution.objects.get(name=SZ_JC), {})
    actions.accept(transfer.pk, users["sz-jc"], scans_by_type={})
    for who in ("wuxi", "suzhou", "province"):
        actions.decide(transfer.pk, users[who], "approve", "同意")
    cells = certificate_rows(get(login("province"), reverse("person_detail", args=[chen.pk])))
    assert cells["JC"][1:4] == ["苏JC-2017-00310", "无信用档案", SZ_JC]
    assert cells["DJ"][1:4] == ["苏DJ-2017-00310", "调离", "—"]


# --- the menu's waiting counts ---------------------------------------------------------------------


def menu_count(html: str, label: str) -> int:
    found = re.search(rf'<span>{label}</span>(?:<span class="count"[^>]*>(\d+)</span>)?', html)
    assert found, label
    return int(found.group(1) or 0)


def test_it_counts_a_transfer_waiting_for_receipt_in_the_receivers_menu(login):
    pending = file_transfer(
        User.objects.get(username="nj-jc"),
        Person.objects.get(name="王强"),
        Institution.objects.get(name=SZ_JC),
        {},
    )
    assert pending.state == State.PENDING_RECEIPT
    assert menu_count(get(login("sz-jc"), reverse("home")), "人员变更调离") == 1
    assert menu_count(get(login("nj-jc"), reverse("home")), "人员变更调离") == 0


def test_it_counts_a_dual_certificate_transfer_once_in_the_receivers_menu(login):
    file_transfer(
        User.objects.get(username="nj-dual"),
        Person.objects.get(name="张伟"),
        Institution.objects.get(name="无锡市建设工程质量检测中心"),
        {},
    )
    assert menu_count(get(login("wx-dual"), reverse("home")), "人员变更调离") == 1


def waiting_prints(count: int):
    """``count`` print tasks of one certificate (editions 1 …), to the 13 cities in turn."""
    from certificates.models import PrintTask
    from institutions.models import City

    application = Application.objects.create(
        type="reissue",
        institution=Institution.objects.get(name=NJ_JC),
        created_by=User.objects.get(username="nj-jc"),
    )
    certificate = PostCertificate.objects.get(number="苏JC-2018-00231")
    cities = list(City.objects.order_by("pk"))
    PrintTask.objects.bulk_create(
        PrintTask(
            certificate=certificate, application=application, edition=n, destination_city=cities[n % 13]
        )
        for n in range(1, count + 1)
    )
    return application


@pytest.mark.parametrize("count", [60, 230])
def test_the_print_button_counts_every_waiting_certificate(login, count):
    """Up to the list's cap the page's own count is the button's; beyond, the button counts on."""
    waiting_prints(count)
    page = get(login("province"), reverse("print_queue"))
    assert f"打印全部待打印（{count} 份）" in page


def test_the_print_queue_is_counted_once_until_a_task_moves_on(login):
    """证书打印's count (and the batch button's, beyond the cap) is kept until the next transition."""
    from certificates import delivery
    from certificates.models import PrintTask

    waiting_prints(3)
    province = login("province")
    url = reverse("print_queue")
    assert capped(province, url) == ("3", 1)
    assert capped(province, url) == ("3", 0)
    assert capped(province, url, state="printed") == ("0", 1), "each state has its own count"
    delivery.mark_printed([PrintTask.objects.order_by("pk")[0].pk], User.objects.get(username="province"))
    assert capped(province, url) == ("2", 1)
    assert capped(province, url, state="printed") == ("1", 1)


def test_the_recovery_list_is_counted_once_per_organisation_until_a_paper_moves_on(login):
    from certificates.models import Recovery

    cancellation = file_cancellation(login("nj-jc"), ["苏JC-2018-00231"])
    approve_everywhere(login, cancellation, ["nanjing"])
    url = reverse("recovery_list")
    nj, province = login("nj-jc"), login("province")
    assert capped(nj, url, state="pending") == ("1", 1)
    assert capped(nj, url, state="pending") == ("1", 0)
    assert capped(province, url, state="pending") == ("1", 1), "another organisation counts its own"
    recovery = Recovery.objects.get(application=cancellation)
    assert (
        nj.post(reverse("recovery_mail", args=[recovery.pk]), {"tracking_number": "SF1"}).status_code == 302
    )
    assert capped(nj, url, state="pending") == ("0", 1)
    assert capped(province, url, state="pending") == ("0", 1)


def test_it_pages_the_print_queue_ordered_by_city(login):
    """A queue ordered by a foreign key (the destination city) pages through its links too."""
    from certificates.models import PrintTask

    application = waiting_prints(60)
    province = login("province")
    url = reverse("print_queue")
    first = get(province, url)
    rows = re.compile(r'name="ids" value="(\d+)"')
    second = get(province, f"{url}?{next_link(first)}")
    seen = rows.findall(first) + rows.findall(second)
    assert (len(rows.findall(first)), len(rows.findall(second))) == (50, 10)
    assert len(set(seen)) == 60
    # Each row names the holder, the kind, the number, the edition, the institution, the city, the request.
    row = re.search(r'<tr>\s*<td><input type="checkbox" name="ids".*?</tr>', first, re.S).group(0)
    cells = cell_texts(row)
    first_task = PrintTask.objects.filter(state="pending").order_by(
        "destination_city_id", "created_at", "pk"
    )[0]
    assert cells[1:] == [
        "王强",
        "建材",
        "苏JC-2018-00231",
        f"第{first_task.edition}版",
        NJ_JC,
        first_task.destination_city.name,
        f"人员上岗证补办 #{application.pk}",
        "待打印",
        "—",
    ]
