"""manage.py create_province_account: the first province login on an empty database."""

import io
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from institutions.models import User

PASSWORD = "Zhan#Sheng2026"
MODULE = "institutions.management.commands.create_province_account"


def run(*args, env=None, inputs=(), passwords=()):
    out, err = io.StringIO(), io.StringIO()
    with (
        mock.patch.dict("os.environ", env or {}, clear=False),
        mock.patch(f"{MODULE}.input", side_effect=list(inputs), create=True),
        mock.patch(f"{MODULE}.getpass.getpass", side_effect=list(passwords)),
    ):
        call_command("create_province_account", *args, stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for name in (
        "JIANCE_PROVINCE_USERNAME",
        "JIANCE_PROVINCE_PASSWORD",
        "JIANCE_PROVINCE_NAME",
        "JIANCE_PROVINCE_PHONE",
    ):
        monkeypatch.delenv(name, raising=False)


def can_manage_accounts(username, password) -> bool:
    client = Client()
    client.post(reverse("login"), {"username": username, "password": password})
    return client.get(reverse("account_list")).status_code == 200


def test_it_creates_the_province_account_from_the_environment(db):
    env = {
        "JIANCE_PROVINCE_USERNAME": "zhan.admin",
        "JIANCE_PROVINCE_PASSWORD": PASSWORD,
        "JIANCE_PROVINCE_NAME": "周站",
        "JIANCE_PROVINCE_PHONE": "13900001111",
    }
    output = run("--no-input", env=env)
    assert "已新建省质监总站账号 zhan.admin" in output and PASSWORD not in output
    user = User.objects.get(username="zhan.admin")
    assert (user.role, user.full_name, user.phone, user.city, user.institution) == (
        "province",
        "周站",
        "13900001111",
        None,
        None,
    )
    assert can_manage_accounts("zhan.admin", PASSWORD)
    event = AuditEvent.objects.get(object_id=str(user.pk))
    assert event.username == "manage.py" and PASSWORD not in event.detail


def test_it_asks_interactively_with_the_password_twice(db):
    output = run(
        inputs=["zhan.admin", "周站", ""],
        passwords=["Zhan#Other1", "Zhan#Other2", "weak", "weak", PASSWORD, PASSWORD],
    )
    assert "两次输入的密码不一致" in output
    assert "密码不符合规则" in output and "密码至少 8 位" in output
    assert PASSWORD not in output and "weak" not in output
    user = User.objects.get(username="zhan.admin")
    assert user.role == "province" and user.check_password(PASSWORD) and user.phone == ""


def test_it_gives_up_after_three_bad_passwords_and_creates_nothing(db):
    with pytest.raises(CommandError, match="未新建账号"):
        run(inputs=["zhan.admin", "周站", ""], passwords=["a", "a", "b", "b", "c", "c"])
    assert not User.objects.exists()


@pytest.mark.parametrize(
    "env,message",
    [
        ({"JIANCE_PROVINCE_USERNAME": "zhan.admin"}, "JIANCE_PROVINCE_PASSWORD"),
        ({"JIANCE_PROVINCE_USERNAME": "zhan admin", "JIANCE_PROVINCE_PASSWORD": PASSWORD}, "用户名无效"),
        (
            {"JIANCE_PROVINCE_USERNAME": "zhan.admin", "JIANCE_PROVINCE_PASSWORD": "zhanadmin"},
            "密码不符合规则",
        ),
        (
            {
                "JIANCE_PROVINCE_USERNAME": "zhan.admin",
                "JIANCE_PROVINCE_PASSWORD": PASSWORD,
                "JIANCE_PROVINCE_PHONE": "12",
            },
            "手机无效",
        ),
    ],
)
def test_it_refuses_bad_values_from_the_environment(db, env, message):
    with pytest.raises(CommandError, match=message) as error:
        run("--no-input", env=env)
    assert PASSWORD not in str(error.value)
    assert not User.objects.exists()


def test_it_refuses_an_existing_username_and_changes_nothing(demo):
    before = User.objects.get(username="province").password
    env = {"JIANCE_PROVINCE_USERNAME": "province", "JIANCE_PROVINCE_PASSWORD": PASSWORD}
    with pytest.raises(CommandError, match="已存在"):
        run("--no-input", env=env)
    with pytest.raises(CommandError, match="已存在"):
        run(inputs=["Province"])
    assert User.objects.get(username="province").password == before
    assert User.objects.filter(role="province").count() == 1
