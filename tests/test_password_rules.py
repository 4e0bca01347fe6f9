"""Password rules (length, character classes, not the username, not a recent one), expiry, and usernames."""

from datetime import timedelta

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from institutions.models import City, User

PASSWORD = "Jiance@2026"
DEMO_USERNAMES = ["province", "nanjing", "nj-dual", "nj-jc", "sz-jc", "sz-dj", "wx-dual"]


def change(client, old, new):
    return client.post(
        reverse("password_change"), {"old_password": old, "new_password1": new, "new_password2": new}
    )


def sign_in(username, password):
    return Client().post(reverse("login"), {"username": username, "password": password})


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("Ab#1234", "密码至少 8 位"),
        ("abcdefgh12", "至少 3 类"),
        ("ABCDEFGH!!", "至少 3 类"),
        ("Xnj-jc#2026", "不能包含用户名"),
        ("NJ-JC#2026x", "不能包含用户名"),
        (PASSWORD, "不能与最近 5 次使用过的密码相同"),
    ],
)
def test_it_refuses_a_password_against_the_rules_in_chinese(login, new, message):
    response = change(login("nj-jc"), PASSWORD, new)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert User.objects.get(username="nj-jc").check_password(PASSWORD)


def test_it_accepts_the_demo_password_for_every_demo_account(demo):
    for username in DEMO_USERNAMES:
        validate_password(PASSWORD, User(username=username))


def test_it_refuses_any_of_the_last_five_passwords_and_forgets_older_ones(login):
    client = login("nj-jc")
    current = PASSWORD
    for n in range(1, 5):
        assert change(client, current, f"Huaning#{n}x").status_code == 302
        current = f"Huaning#{n}x"
    # The last five: Jiance@2026, Huaning#1x … Huaning#4x (the current one).
    for old in (PASSWORD, "Huaning#1x", "Huaning#4x"):
        refused = change(client, current, old)
        assert "不能与最近 5 次使用过的密码相同" in refused.content.decode(), old
    assert change(client, current, "Huaning#5x").status_code == 302
    assert change(client, "Huaning#5x", PASSWORD).status_code == 302  # six passwords ago: allowed again
    assert User.objects.get(username="nj-jc").password_history.count() == 5


def test_it_sends_a_user_with_an_expired_password_to_the_change_page(demo):
    User.objects.filter(username="nj-dual").update(password_changed_at=timezone.now() - timedelta(days=91))
    client = Client()
    assert client.post(reverse("login"), {"username": "nj-dual", "password": PASSWORD}).status_code == 302
    assert client.get(reverse("person_list", args=["jc"]))["Location"] == reverse("password_change")
    page = client.get(reverse("password_change")).content.decode()
    assert "密码已超过 90 天未修改" in page
    assert change(client, PASSWORD, "Nanjing#2026x").status_code == 302
    assert client.get(reverse("person_list", args=["jc"])).status_code == 200


def test_it_lets_passwords_live_forever_when_the_maximum_age_is_zero(demo, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 0
    User.objects.filter(username="nj-dual").update(password_changed_at=timezone.now() - timedelta(days=900))
    client = Client()
    client.post(reverse("login"), {"username": "nj-dual", "password": PASSWORD})
    assert client.get(reverse("home")).status_code == 200


def test_it_keeps_a_fresh_password_for_the_configured_age(demo, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 30
    User.objects.filter(username="nj-dual").update(password_changed_at=timezone.now() - timedelta(days=29))
    client = Client()
    client.post(reverse("login"), {"username": "nj-dual", "password": PASSWORD})
    assert client.get(reverse("home")).status_code == 200


NEW_INSTITUTION = {
    "name": "扬州恒信检测有限公司",
    "credit_code": "91321000MA1X000063",
    "password": "Initial#2026",
}


@pytest.mark.parametrize("username", ["yz new", "<b>yz</b>", "yz'new", "扬州"])
def test_it_refuses_a_username_with_other_characters_when_opening_an_institution(login, username):
    data = {**NEW_INSTITUTION, "city": City.objects.get(code="yangzhou").pk, "username": username}
    response = login("province").post(reverse("institution_new"), data)
    assert response.status_code == 400
    assert "用户名只能由字母、数字和 . _ - 组成" in response.content.decode()
    assert not User.objects.filter(username=username).exists()


def test_it_opens_an_institution_with_a_dotted_username_and_a_valid_initial_password(login):
    data = {**NEW_INSTITUTION, "city": City.objects.get(code="yangzhou").pk, "username": "yz.heng_xin-1"}
    assert login("province").post(reverse("institution_new"), data).status_code == 302
    assert sign_in("yz.heng_xin-1", "Initial#2026").status_code == 302


def test_it_refuses_a_weak_initial_password_when_opening_an_institution(login):
    data = {**NEW_INSTITUTION, "city": City.objects.get(code="yangzhou").pk, "username": "yz-new",
            "password": "yz-new2026"}  # fmt: skip
    response = login("province").post(reverse("institution_new"), data)
    html = response.content.decode()
    assert response.status_code == 400 and "不能包含用户名" in html


def test_it_validates_usernames_on_the_model_and_accepts_every_demo_username(demo):
    for user in User.objects.all():
        user.full_clean()
    with pytest.raises(ValidationError, match="用户名只能由字母"):
        User(username="a b", role=User.Role.PROVINCE, password="x").full_clean()
