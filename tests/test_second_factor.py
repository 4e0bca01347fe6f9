"""Second factor (TOTP with django-otp): enrolment at first login for the required roles, the 6-digit code
at every later login, recovery codes, voluntary enrolment, and the province's reset."""

import re
from base64 import b32encode

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent
from institutions.models import User
from institutions.views import PENDING_KEY

PASSWORD = "Jiance@2026"

pytestmark = pytest.mark.usefixtures("demo")


@pytest.fixture(autouse=True)
def _required(settings):
    settings.OTP_REQUIRED_ROLES = ["province", "city"]


def code(key: bytes, drift: int = 0) -> str:
    return f"{totp(key, drift=drift):06d}"


def sign_in(username: str) -> Client:
    client = Client()
    assert client.post(reverse("login"), {"username": username, "password": PASSWORD}).status_code == 302
    return client


def enrol(username: str) -> tuple[Client, bytes, list[str]]:
    """Log in with the password and enrol; returns the client, the TOTP key and the recovery codes."""
    client = sign_in(username)
    assert client.get(reverse("otp_setup")).status_code == 200
    key = bytes.fromhex(client.session[PENDING_KEY])
    response = client.post(reverse("otp_setup"), {"code": code(key)})
    assert response["Location"] == reverse("otp_recovery_codes")
    page = client.get(reverse("otp_recovery_codes")).content.decode()
    return client, key, re.findall(r"<li><code>(\w+)</code></li>", page)


def test_it_makes_the_province_enrol_at_first_login_with_a_qr_code_and_the_secret():
    client = sign_in("province")
    response = client.get(reverse("home"))
    assert response["Location"] == reverse("otp_setup")
    assert client.get(reverse("print_queue"))["Location"] == reverse("otp_setup")
    page = client.get(reverse("otp_setup")).content.decode()
    assert "<svg" in page and "本账号须启用两步验证" in page
    assert '<nav class="side"' not in page  # nothing to go to yet
    key = bytes.fromhex(client.session[PENDING_KEY])
    assert b32encode(key).decode() in page

    wrong = client.post(reverse("otp_setup"), {"code": "000000" if code(key) != "000000" else "111111"})
    assert wrong.status_code == 400 and "验证码不正确" in wrong.content.decode()

    assert client.post(reverse("otp_setup"), {"code": code(key)})["Location"] == reverse("otp_recovery_codes")
    codes_page = client.get(reverse("otp_recovery_codes")).content.decode()
    assert len(re.findall(r"<li><code>\w+</code></li>", codes_page)) == 10
    assert client.get(reverse("otp_recovery_codes"))["Location"] == reverse("otp_setup")  # shown once
    assert client.get(reverse("home")).status_code == 200


def test_it_asks_an_enrolled_user_for_the_code_after_the_password(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # a wrong code otherwise delays the next try by a second
    _, key, _ = enrol("nanjing")
    client = sign_in("nanjing")
    target = reverse("person_list", args=["jc"])
    response = client.get(target)
    assert response["Location"] == f"{reverse('otp_verify')}?next={target.replace('/', '%2F')}"
    wrong = client.post(response["Location"], {"code": "12345"})
    assert wrong.status_code == 400 and "验证码不正确" in wrong.content.decode()
    # The enrolment used this step's code; the next step's is accepted (tolerance of one step).
    assert client.post(response["Location"], {"code": code(key, drift=1)})["Location"] == target
    assert client.get(target).status_code == 200


def test_it_does_not_let_a_password_alone_enrol_a_new_authenticator():
    enrol("nanjing")
    client = sign_in("nanjing")
    assert client.get(reverse("otp_setup"))["Location"] == reverse("otp_verify")
    assert client.post(reverse("otp_setup"), {"code": "123456"})["Location"] == reverse("otp_verify")
    assert TOTPDevice.objects.filter(user__username="nanjing").count() == 1


def test_it_accepts_each_recovery_code_once():
    _, _, codes = enrol("nanjing")
    client = sign_in("nanjing")
    assert client.post(reverse("otp_verify"), {"code": codes[0]})["Location"] == reverse("home")
    again = sign_in("nanjing")
    assert again.post(reverse("otp_verify"), {"code": codes[0]}).status_code == 400
    assert StaticToken.objects.filter(device__user__username="nanjing").count() == 9


def test_it_lets_an_institution_log_in_with_the_password_alone_or_enrol_itself():
    client = sign_in("nj-dual")
    assert client.get(reverse("home")).status_code == 200
    assert "启用后，登录时除密码外" in client.get(reverse("otp_setup")).content.decode()
    _, key, _ = enrol("nj-dual")
    later = sign_in("nj-dual")
    assert later.get(reverse("home"))["Location"].startswith(reverse("otp_verify"))
    assert later.post(reverse("otp_verify"), {"code": code(key, drift=1)}).status_code == 302


def test_it_keeps_the_demo_logins_one_step_when_no_role_requires_it(settings):
    settings.OTP_REQUIRED_ROLES = []
    assert sign_in("province").get(reverse("home")).status_code == 200


def test_it_lets_the_province_reset_a_second_factor():
    enrol("suzhou")
    province, *_ = enrol("province")
    page = province.get(reverse("login_security")).content.decode()
    assert "suzhou" in page and "重置两步验证" in page
    response = province.post(reverse("otp_reset"), {"username": "suzhou"}, follow=True)
    assert "已重置账号 suzhou 的两步验证" in response.content.decode()
    assert not TOTPDevice.objects.filter(user__username="suzhou").exists()
    assert sign_in("suzhou").get(reverse("home"))["Location"] == reverse("otp_setup")
    changes = AuditEvent.objects.filter(kind="second_factor").order_by("pk")
    assert [(e.username, e.detail) for e in changes][-1] == ("province", "重置 suzhou 的两步验证")
    assert ("suzhou", "启用两步验证（新的验证器和恢复码）") in [(e.username, e.detail) for e in changes]


def test_it_refuses_the_reset_to_other_roles_and_to_get():
    enrol("suzhou")
    for username in ("nanjing", "nj-dual"):
        client, *_ = enrol(username)
        assert client.post(reverse("otp_reset"), {"username": "suzhou"}).status_code == 403
    province, *_ = enrol("province")
    assert province.get(reverse("otp_reset")).status_code == 405
    assert TOTPDevice.objects.filter(user__username="suzhou").exists()


def test_it_asks_for_the_second_factor_before_a_forced_password_change():
    User.objects.filter(username="province").update(must_change_password=True)
    client, _, _ = enrol("province")
    assert client.get(reverse("home"))["Location"] == reverse("password_change")
    new = "Zhijian#2026x"
    client.post(
        reverse("password_change"), {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert client.get(reverse("home")).status_code == 200  # still verified after the password change
