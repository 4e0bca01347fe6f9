"""Session limits: idle and absolute time-outs, one session per user, sessions ended by a password change
or a disabled account."""

import time

import pytest
from django.test import Client
from django.urls import reverse

from institutions.models import User, UserSession
from institutions.sessions import SEEN, STARTED

PASSWORD = "Jiance@2026"

pytestmark = pytest.mark.usefixtures("demo")


def sign_in(username="nj-dual", password=PASSWORD) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": password})
    assert response.status_code == 302
    return client


def set_clock(client, **seconds_ago):
    session = client.session
    for key, ago in seconds_ago.items():
        session[{"started": STARTED, "seen": SEEN}[key]] = time.time() - ago
    session.save()


def logged_in(client) -> bool:
    return client.get(reverse("home")).status_code == 200


def test_it_logs_out_a_session_idle_for_thirty_minutes():
    client = sign_in()
    set_clock(client, seen=31 * 60)
    response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("login"))
    assert "超过 30 分钟未操作，已自动退出" in response.content.decode()
    assert not logged_in(client)


def test_it_keeps_a_session_in_use_and_counts_idleness_from_the_last_request():
    client = sign_in()
    set_clock(client, started=11 * 3600, seen=29 * 60)
    assert logged_in(client)
    assert time.time() - client.session[SEEN] < 5  # the request counted as activity
    set_clock(client, seen=29 * 60)
    assert logged_in(client)


def test_it_ends_a_session_after_twelve_hours_however_active():
    client = sign_in()
    set_clock(client, started=12 * 3600 + 60, seen=10)
    response = client.get(reverse("home"), follow=True)
    assert "登录已超过 12 小时，已自动退出" in response.content.decode()
    assert not logged_in(client)


def test_it_follows_the_configured_limits(settings):
    settings.SESSION_IDLE_MINUTES = 5
    client = sign_in()
    set_clock(client, seen=6 * 60)
    assert not logged_in(client)


def test_it_ends_the_other_session_when_the_user_logs_in_again():
    first = sign_in()
    second = sign_in()
    assert not logged_in(first)
    assert logged_in(second)
    assert UserSession.objects.filter(user__username="nj-dual").count() == 1
    assert logged_in(sign_in("nj-jc")) and logged_in(second)  # other users are not affected


def test_it_allows_several_sessions_when_single_session_is_off(settings):
    settings.SESSION_SINGLE = False
    first, second = sign_in(), sign_in()
    assert logged_in(first) and logged_in(second)


def test_it_ends_the_other_sessions_but_keeps_this_one_on_a_password_change(settings):
    settings.SESSION_SINGLE = False
    here, elsewhere = sign_in(), sign_in()
    new = "Nanjing#2026x"
    response = here.post(
        reverse("password_change"), {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    assert logged_in(here)
    assert not logged_in(elsewhere)
    assert list(
        UserSession.objects.filter(user__username="nj-dual").values_list("session_key", flat=True)
    ) == [here.session.session_key]


def test_it_ends_every_session_of_a_disabled_account(settings):
    settings.SESSION_SINGLE = False
    first, second = sign_in(), sign_in()
    user = User.objects.get(username="nj-dual")
    user.is_active = False
    user.save()
    assert not logged_in(first) and not logged_in(second)
    assert not UserSession.objects.filter(user=user).exists()


def test_it_forgets_the_session_on_logout():
    client = sign_in()
    client.post(reverse("logout"))
    assert not UserSession.objects.filter(user__username="nj-dual").exists()
