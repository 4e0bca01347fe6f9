"""账号管理: the province manages the logins of cities and institutions; nobody else can; every change is in
the account's history with who and when."""

import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent, Kind
from institutions.models import City, Institution, User, UserSession

PASSWORD = "Jiance@2026"
NEW_PASSWORD = "Qian#Lin2027"

pytestmark = pytest.mark.usefixtures("demo")


def sign_in(username, password) -> tuple[Client, object]:
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": password})
    return client, response


def logged_in(client) -> bool:
    return client.get(reverse("home")).status_code == 200


def create(province, **overrides):
    data = {
        "role": "institution",
        "institution": Institution.objects.get(name="南京华宁建材检测有限公司").pk,
        "username": "nj-jc.qian",
        "full_name": "钱琳",
        "phone": "13912345678",
        "password": "Chushi#2026",
        **overrides,
    }
    return province.post(reverse("account_new"), data)


def test_the_full_lifecycle_of_an_institution_login(login):
    province = login("province")
    response = create(province)
    clerk = User.objects.get(username="nj-jc.qian")
    assert response.status_code == 302 and response.url == reverse("account_detail", args=[clerk.pk])
    assert (clerk.role, clerk.institution.name, clerk.full_name, clerk.phone) == (
        "institution",
        "南京华宁建材检测有限公司",
        "钱琳",
        "13912345678",
    )
    assert clerk.must_change_password

    # First login: only the password change page until the initial password is changed.
    client, response = sign_in("nj-jc.qian", "Chushi#2026")
    assert response.status_code == 302
    assert client.get(reverse("person_list", args=["jc"])).url.startswith(reverse("password_change"))
    response = client.post(
        reverse("password_change"),
        {"old_password": "Chushi#2026", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert client.get(reverse("person_list", args=["jc"])).status_code == 200

    # Disabled: the open session ends at once and the password no longer logs in.
    assert province.post(reverse("account_disable", args=[clerk.pk])).status_code == 302
    clerk.refresh_from_db()
    assert not clerk.is_active
    assert not logged_in(client)
    assert not UserSession.objects.filter(user=clerk).exists()
    _, response = sign_in("nj-jc.qian", NEW_PASSWORD)
    assert response.status_code == 200 and "_auth_user_id" not in response.wsgi_request.session

    # Reset: a one-time password shown once, which logs in only to change it.
    response = province.post(reverse("account_reset", args=[clerk.pk]))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    one_time = response.context["password"]
    assert one_time in response.content.decode()
    clerk.refresh_from_db()
    assert clerk.must_change_password and clerk.check_password(one_time)
    assert not clerk.check_password(NEW_PASSWORD)

    # Re-enabled: the one-time password logs in, straight to the forced change.
    assert province.post(reverse("account_enable", args=[clerk.pk])).status_code == 302
    client, response = sign_in("nj-jc.qian", one_time)
    assert response.status_code == 302
    assert client.get(reverse("home")).url.startswith(reverse("password_change"))

    # Every change in the history, with who and when; the one-time password is nowhere in the log.
    page = province.get(reverse("account_detail", args=[clerk.pk])).content.decode()
    events = list(
        AuditEvent.objects.filter(object_type="institutions.user", object_id=str(clerk.pk)).order_by("pk")
    )
    assert [e.detail.split(" ")[0] for e in events] == [
        "新增登录账号",
        "停用登录账号",
        "重置登录账号",
        "启用登录账号",
    ]
    assert {(e.kind, e.username, e.organisation) for e in events} == {
        (Kind.ACCOUNT_CHANGED, "province", "省质监总站")
    }
    assert all(e.at for e in events)
    for e in events:
        assert e.detail in page
    assert "修改密码" in page  # the clerk's own password change is in the history too
    assert not AuditEvent.objects.filter(detail__contains=one_time).exists()


def test_the_province_opens_a_city_login_and_the_initial_password_follows_the_rules(login):
    province = login("province")
    response = create(
        province,
        role="city",
        institution="",
        city=City.objects.get(name="南京市").pk,
        username="nanjing.li",
        password="short",
    )
    assert response.status_code == 400
    assert "密码至少 8 位" in response.content.decode()
    assert not User.objects.filter(username="nanjing.li").exists()
    response = create(
        province,
        role="city",
        institution="",
        city=City.objects.get(name="南京市").pk,
        username="nanjing.li",
        password="Hui#2026ling",
    )
    assert response.status_code == 302
    user = User.objects.get(username="nanjing.li")
    assert (user.role, user.city.name, user.institution) == ("city", "南京市", None)


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("username", "bad name", "用户名只能由字母"),
        ("username", "nj-jc", "该用户名已被使用"),
        ("phone", "1391234567", "手机号码应为 11 位数字"),
        ("institution", "", "请选择检测机构"),
        ("password", "nj-jc.qianA1!", "密码不能是用户名"),
    ],
)
def test_bad_input_leaves_no_account_behind(login, field, value, message):
    before = User.objects.count()
    response = create(login("province"), **{field: value})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert User.objects.count() == before


@pytest.mark.parametrize("username", ["nanjing", "nj-jc", "nj-dual", "wuxi"])
def test_no_one_but_the_province_may_manage_accounts(login, username):
    client = login(username)
    target = User.objects.get(username="sz-jc")
    assert client.get(reverse("account_list")).status_code == 403
    assert client.get(reverse("account_detail", args=[target.pk])).status_code == 403
    assert create(client).status_code == 403
    for action in ("account_disable", "account_reset", "account_enable"):
        assert client.post(reverse(action, args=[target.pk])).status_code == 403
    target.refresh_from_db()
    assert target.is_active and target.check_password(PASSWORD) and not target.must_change_password
    assert not User.objects.filter(username="nj-jc.qian").exists()


def test_the_province_cannot_disable_or_reset_a_province_login(login):
    province = login("province")
    me = User.objects.get(username="province")
    assert province.post(reverse("account_disable", args=[me.pk])).status_code == 404
    assert province.post(reverse("account_reset", args=[me.pk])).status_code == 404


def test_an_organisation_has_several_logins_and_the_list_finds_them(login):
    province = login("province")
    create(province)
    create(province, username="nj-jc.zhou", full_name="周敏", phone="13800001111")
    response = province.get(reverse("account_list"), {"q": "南京华宁"})
    names = [u.username for u in response.context["page"]]
    assert names == ["nj-jc", "nj-jc.qian", "nj-jc.zhou"]
    assert [u.username for u in province.get(reverse("account_list"), {"q": "周敏"}).context["page"]] == [
        "nj-jc.zhou"
    ]
    suzhou = City.objects.get(name="苏州市").pk
    found = {u.username for u in province.get(reverse("account_list"), {"city": suzhou}).context["page"]}
    assert found == {"suzhou", "sz-jc", "sz-dj"}
    cities = province.get(reverse("account_list"), {"role": "city"}).context["page"]
    assert len(list(cities)) == 13 and all(u.role == "city" for u in cities)
    province.post(reverse("account_disable", args=[User.objects.get(username="nj-jc.zhou").pk]))
    disabled = province.get(reverse("account_list"), {"status": "disabled"}).context["page"]
    assert [u.username for u in disabled] == ["nj-jc.zhou"]
    assert "province" not in {u.username for u in province.get(reverse("account_list")).context["page"]}


@pytest.mark.parametrize("query", [{"role": "province"}, {"city": "abc"}, {"status": "x"}, {"q": "a\x00"}])
def test_a_bad_filter_is_a_400_not_a_500(login, query):
    assert login("province").get(reverse("account_list"), query).status_code == 400


def test_the_export_lists_the_filtered_accounts(login):
    province = login("province")
    create(province)
    response = province.get(reverse("account_list"), {"q": "钱琳", "format": "xlsx"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.values)
    assert rows[0][:6] == ("用户名", "角色", "单位", "所在市", "姓名", "手机")
    assert rows[1][:6] == (
        "nj-jc.qian",
        "检测机构",
        "南京华宁建材检测有限公司",
        "南京市",
        "钱琳",
        "13912345678",
    )
    assert len(rows) == 2


def test_the_province_edits_the_clerk_name_and_phone_and_it_is_recorded(login):
    province = login("province")
    target = User.objects.get(username="sz-jc")
    response = province.post(
        reverse("account_detail", args=[target.pk]), {"full_name": "王芳", "phone": "12345"}
    )
    assert response.status_code == 400 and "手机号码应为 11 位数字" in response.content.decode()
    target.refresh_from_db()
    assert target.phone == ""
    province.post(reverse("account_detail", args=[target.pk]), {"full_name": "王芳", "phone": "13700002222"})
    target.refresh_from_db()
    assert (target.full_name, target.phone) == ("王芳", "13700002222")
    event = AuditEvent.objects.get(object_type="institutions.user", object_id=str(target.pk))
    assert event.username == "province" and "王芳" in event.detail


def test_the_list_costs_the_same_queries_whatever_the_page_holds(login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    province = login("province")
    province.get(reverse("home"))  # warm the cached menu

    def queries(**query):
        with CaptureQueriesContext(connection) as captured:
            assert province.get(reverse("account_list"), query).status_code == 200
        return len(captured)

    few = queries(role="institution")  # 5 demo institution logins
    institution = Institution.objects.get(name="南京华宁建材检测有限公司")
    User.objects.bulk_create(
        User(username=f"nj-jc.c{i}", role="institution", institution=institution, full_name=f"经办人{i}")
        for i in range(40)
    )
    assert queries(role="institution") == few
    assert queries() == few  # cities' and institutions' logins together
