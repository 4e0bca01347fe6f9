"""Login throttling (django-axes): accounts and addresses lock after failed logins; the province unlocks."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent

PASSWORD = "Jiance@2026"


def attempt(username, password, address="127.0.0.1"):
    return Client(REMOTE_ADDR=address).post(reverse("login"), {"username": username, "password": password})


def fail(username, times, address="127.0.0.1"):
    return [attempt(username, "wrong-password", address) for _ in range(times)][-1]


def test_it_locks_an_account_after_five_failed_logins_and_refuses_the_right_password(demo):
    assert fail("nj-jc", 4).status_code == 200  # still the ordinary wrong-password page
    fifth = fail("nj-jc", 1)
    assert fifth.status_code == 429 and "已被锁定" in fifth.content.decode()

    response = attempt("nj-jc", PASSWORD, address="10.0.0.9")  # from elsewhere too
    html = response.content.decode()
    assert response.status_code == 429
    minutes = int(re.search(r"请 (\d+) 分钟后再试", html).group(1))
    assert 29 <= minutes <= 30
    assert "_auth_user_id" not in response.client.session

    assert attempt("nj-dual", PASSWORD).status_code == 302  # other accounts are not affected


def test_it_locks_an_address_that_fails_across_accounts(demo, settings):
    settings.LOGIN_FAILURES_PER_ADDRESS = 6
    for username in ("nj-jc", "sz-jc", "wx-dual"):
        fail(username, 2, address="10.1.1.1")
    response = attempt("nj-dual", PASSWORD, address="10.1.1.1")
    assert response.status_code == 429 and "已被锁定" in response.content.decode()
    assert attempt("nj-dual", PASSWORD, address="10.1.1.2").status_code == 302


def test_it_lets_the_province_see_and_unlock_a_locked_account(demo, login):
    fail("nj-jc", 5)
    province = login("province")
    page = province.get(reverse("login_security")).content.decode()
    assert "nj-jc" in page and "127.0.0.1" not in page  # five failures lock the account, not the address
    assert "<title>登录安全 - " in page and page.count("已启用两步验证的账号") == 1

    response = province.post(reverse("login_unlock"), {"username": "nj-jc"}, follow=True)
    assert "已解锁账号 nj-jc" in response.content.decode()
    locked, unlocked = AuditEvent.objects.get(kind="locked_out"), AuditEvent.objects.get(kind="unlocked")
    assert (locked.username, unlocked.username, unlocked.detail) == ("nj-jc", "province", "解锁账号 nj-jc")
    assert "nj-jc" not in province.get(reverse("login_security")).content.decode()
    assert attempt("nj-jc", PASSWORD).status_code == 302


def test_it_lets_the_province_unlock_an_address(demo, login, settings):
    settings.LOGIN_FAILURES_PER_ADDRESS = 4
    fail("nj-jc", 2, address="10.2.2.2")
    fail("sz-jc", 2, address="10.2.2.2")
    province = login("province")
    assert "10.2.2.2" in province.get(reverse("login_security")).content.decode()
    province.post(reverse("login_unlock"), {"address": "10.2.2.2"})
    assert attempt("wx-dual", PASSWORD, address="10.2.2.2").status_code == 302


def test_it_gives_the_province_a_menu_entry_for_login_security(demo, login):
    assert f'href="{reverse("login_security")}"' in login("province").get(reverse("home")).content.decode()
    assert "登录安全" not in login("nanjing").get(reverse("home")).content.decode()


@pytest.mark.parametrize("username", ["nanjing", "nj-dual"])
def test_it_refuses_login_security_to_other_roles(login, username):
    client = login(username)
    assert client.get(reverse("login_security")).status_code == 403
    assert client.post(reverse("login_unlock"), {"username": "nj-jc"}).status_code == 403


def test_it_answers_get_on_the_unlock_url_with_405(login):
    assert login("province").get(reverse("login_unlock")).status_code == 405
