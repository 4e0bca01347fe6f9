"""The demo data contract (docs/demo-data.md): exact data, idempotent loading, every account's login and menu."""

import io
import re

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from certificates.models import CertificateStatus, PostCertificate
from institutions.models import City, Institution, Kind, User
from personnel.models import Person

pytestmark = pytest.mark.django_db

PASSWORD = "Jiance@2026"

CITY_ACCOUNTS = {
    "nanjing": "南京市",
    "wuxi": "无锡市",
    "xuzhou": "徐州市",
    "changzhou": "常州市",
    "suzhou": "苏州市",
    "nantong": "南通市",
    "lianyungang": "连云港市",
    "huaian": "淮安市",
    "yancheng": "盐城市",
    "yangzhou": "扬州市",
    "zhenjiang": "镇江市",
    "taizhou": "泰州市",
    "suqian": "宿迁市",
}

# account: (institution, city, kinds)
INSTITUTION_ACCOUNTS = {
    "nj-dual": ("南京市建设工程质量检测中心", "南京市", {Kind.JC, Kind.DJ}),
    "nj-jc": ("南京华宁建材检测有限公司", "南京市", {Kind.JC}),
    "sz-jc": ("苏州建科建材检测有限公司", "苏州市", {Kind.JC}),
    "sz-dj": ("苏州岩土地基检测有限公司", "苏州市", {Kind.DJ}),
    "wx-dual": ("无锡市建设工程质量检测中心", "无锡市", {Kind.JC, Kind.DJ}),
}

PEOPLE = [
    ("张伟", "320102198503120012", "南京市建设工程质量检测中心", "苏JC-2019-00012", "苏DJ-2019-00012"),
    ("李娜", "32050619900723002X", "南京市建设工程质量检测中心", "苏JC-2020-00107", "苏DJ-2020-00107"),
    ("王强", "320203198801150035", "南京华宁建材检测有限公司", "苏JC-2018-00231", None),
    ("刘洋", "320106199211300046", "苏州建科建材检测有限公司", "苏JC-2021-00056", None),
    ("陈静", "320583198706060056", "无锡市建设工程质量检测中心", "苏JC-2017-00310", "苏DJ-2017-00310"),
    ("杨帆", "320111199502180065", "苏州岩土地基检测有限公司", None, "苏DJ-2022-00078"),
    ("赵磊", "320502198309090077", "无锡市建设工程质量检测中心", "苏JC-2016-00421", "苏DJ-2016-00421"),
    ("孙丽", "320211199104010082", "南京市建设工程质量检测中心", "苏JC-2023-00005", None),
]

ALL_ACCOUNTS = ["province", *CITY_ACCOUNTS, *INSTITUTION_ACCOUNTS]
CHANGE_ENTRIES = ["人员变更调离", "人员上岗证补办", "人员注销"]
REVIEW_ENTRIES = ["人员变更审批", "人员补证审批", "人员注销审核", "人员备案审核", "机构备案审核"]
JC_TITLE, DJ_TITLE = "【工程质量检测诚信管理】", "【地基基础检测诚信管理】"


def row_counts() -> dict:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


def seed():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def sign_in(username, password=PASSWORD):
    """Log in through the real login page; returns (client, response to the POST)."""
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": password})
    return client, response


def menu(html: str) -> str:
    found = re.search(r'<nav class="side".*?</nav>', html, re.S)
    return found.group(0) if found else ""


# --- loading -------------------------------------------------------------------------------------


def test_it_loads_the_same_data_when_run_twice(demo):
    first = row_counts()
    passwords = dict(User.objects.values_list("username", "password"))
    seed()
    assert row_counts() == first
    assert dict(User.objects.values_list("username", "password")) == passwords  # not reset either
    for label in ("institutions.City", "institutions.Institution", "institutions.Qualification"):
        assert first[label] > 0, label
    assert first["institutions.Capability"] == 3 * 4 + 2 * 3  # 4 建材 and 3 地基 qualifications
    assert first["institutions.User"] == 1 + 13 + 5
    assert first["personnel.Person"] == 8
    assert first["certificates.PostCertificate"] == 12


def test_it_loads_into_an_empty_database_and_says_so(db):
    assert Person.objects.count() == 0
    assert "Jiance@2026" in seed()
    assert Person.objects.count() == 8


# --- exactly the data of docs/demo-data.md ------------------------------------------------------------------


def test_it_has_the_thirteen_cities_and_their_accounts(demo):
    assert list(City.objects.values_list("name", flat=True)) == list(CITY_ACCOUNTS.values())
    for username, city in CITY_ACCOUNTS.items():
        user = User.objects.get(username=username)
        assert (user.role, user.city.name, user.institution) == (User.Role.CITY, city, None)
        assert user.scope_label == f"{city}建设行政主管部门"


def test_it_has_the_province_account(demo):
    province = User.objects.get(username="province")
    assert (province.role, province.city, province.institution) == (User.Role.PROVINCE, None, None)
    assert province.scope_label == "省质监总站"


def test_it_has_the_five_institutions_with_their_kinds_and_accounts(demo):
    assert Institution.objects.count() == len(INSTITUTION_ACCOUNTS)
    for username, (name, city, kinds) in INSTITUTION_ACCOUNTS.items():
        user = User.objects.select_related("institution__city").get(username=username)
        institution = user.institution
        assert (user.role, user.city, institution.name) == (User.Role.INSTITUTION, None, name)
        assert institution.city.name == city
        assert set(institution.kinds()) == kinds
        assert set(institution.capabilities.values_list("kind", flat=True)) == kinds
        assert institution.status == Institution.Status.ACTIVE
        institution.full_clean(exclude=["status"])  # GB 32100 checksum; the status is FSM-protected


def test_it_has_the_eight_people_and_their_certificates(demo):
    assert Person.objects.count() == len(PEOPLE)
    assert PostCertificate.objects.count() == sum(bool(jc) + bool(dj) for *_, jc, dj in PEOPLE)
    for name, id_number, institution, jc, dj in PEOPLE:
        person = Person.objects.get(id_number=id_number)
        assert (person.name, person.institution.name) == (name, institution)
        person.full_clean()  # 身份证号 with a valid GB 11643 check character
        held = {c.kind: c for c in person.certificates.select_related("institution")}
        assert {k: c.number for k, c in held.items()} == {
            k: n for k, n in ((Kind.JC, jc), (Kind.DJ, dj)) if n
        }
        for certificate in held.values():
            assert certificate.status == CertificateStatus.NORMAL
            assert certificate.institution.name == institution
            assert certificate.edition == 1


def test_it_makes_every_demo_password_work_without_a_forced_change(demo):
    for user in User.objects.all():
        assert user.check_password(PASSWORD), user.username
        assert not user.must_change_password, user.username


# --- every account logs in and sees its own menu ---------------------------------------------------


@pytest.mark.parametrize("username", ALL_ACCOUNTS)
def test_it_logs_each_account_in_through_the_login_page(demo, username):
    client, response = sign_in(username)
    assert response.status_code == 302 and response["Location"] == reverse("home")
    html = client.get(reverse("home")).content.decode()
    user = User.objects.get(username=username)
    assert f"{user.scope_label} · {username}" in html
    nav = menu(html)
    if user.is_institution:
        _, _, kinds = INSTITUTION_ACCOUNTS[username]
        assert "【诚信变更管理】" in nav
        assert all(entry in nav for entry in CHANGE_ENTRIES)
        assert (JC_TITLE in nav) == (Kind.JC in kinds)
        assert (DJ_TITLE in nav) == (Kind.DJ in kinds)
        assert not any(entry in nav for entry in REVIEW_ENTRIES)
    else:
        assert JC_TITLE in nav and DJ_TITLE in nav
        assert "【诚信变更管理】" not in nav
        for entry in REVIEW_ENTRIES:
            assert nav.count(f"<span>{entry}</span>") == 2, entry  # once per module


def test_it_gives_the_menu_entries_working_links(demo):
    client, _ = sign_in("nj-dual")
    nav = menu(client.get(reverse("home")).content.decode())
    links = re.findall(r'<a href="([^"]+)"', nav)
    assert reverse("transfer_list") in links and reverse("person_list", args=["dj"]) in links
    for link in links:
        assert client.get(link).status_code == 200, link


def test_it_refuses_a_wrong_password_in_chinese(demo):
    client, response = sign_in("nj-dual", "wrong-password")
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302  # still anonymous


def test_it_keeps_a_user_with_an_initial_password_on_the_password_page_until_changed(demo):
    User.objects.filter(username="nj-jc").update(must_change_password=True)
    client, response = sign_in("nj-jc")
    assert response.status_code == 302
    password_page = reverse("password_change")
    for url in (
        reverse("home"),
        reverse("person_list", args=["jc"]),
        reverse("transfer_new"),
        reverse("announcement_list"),
        reverse("login"),
    ):
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, password_page), url
    page = client.get(password_page)
    html = page.content.decode()
    assert page.status_code == 200 and "首次登录须修改初始密码" in html
    assert menu(html) == ""  # nothing to go to before the password is changed

    new_password = "Huaning#2026-new"
    response = client.post(
        password_page,
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    assert response.status_code == 302
    assert not User.objects.get(username="nj-jc").must_change_password
    assert client.get(reverse("person_list", args=["jc"])).status_code == 200  # still logged in
    assert sign_in("nj-jc", PASSWORD)[1].status_code == 200  # the old password no longer works
    assert sign_in("nj-jc", new_password)[1].status_code == 302


def test_it_keeps_the_password_page_until_a_valid_new_password_is_given(demo):
    User.objects.filter(username="nj-jc").update(must_change_password=True)
    client, _ = sign_in("nj-jc")
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert response.status_code == 200
    assert User.objects.get(username="nj-jc").must_change_password
    assert client.get(reverse("home"))["Location"] == reverse("password_change")


def test_it_gives_the_province_a_menu_entry_to_open_an_institution(demo):
    client, _ = sign_in("province")
    nav = menu(client.get(reverse("home")).content.decode())
    assert "【机构管理】" in nav and "【证书管理】" in nav
    assert f'href="{reverse("institution_new")}"' in nav and "新增检测机构" in nav


# --- production -----------------------------------------------------------------------------------


def test_it_refuses_to_load_the_demo_data_under_production_settings(db, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="生产环境（JIANCE_PRODUCTION=1）下不载入演示数据"):
        seed()
    assert not User.objects.exists()


def test_it_loads_under_production_settings_with_force_and_makes_every_demo_password_change(db, settings):
    settings.PRODUCTION = True
    out = io.StringIO()
    call_command("seed_demo", "--force", stdout=out)
    assert "所有演示账号下次登录须修改密码" in out.getvalue()
    assert set(User.objects.values_list("username", flat=True)) == set(ALL_ACCOUNTS)
    assert not User.objects.filter(must_change_password=False).exists()
    client, response = sign_in("province")
    assert response.status_code == 302
    assert client.get(reverse("home"))["Location"] == reverse("password_change")
