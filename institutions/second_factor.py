"""Second factor (django-otp): a TOTP authenticator app, with 10 printed recovery codes.

The roles in OTP_REQUIRED_ROLES must enrol at their first login; anyone else may enrol. Once enrolled, a
login is the password and then a 6-digit code (or one recovery code); until then the session may only
reach the second-factor pages and log out.
"""

from base64 import b32encode
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from audit.events import Kind, record

RECOVERY_CODES = 10
SECOND_FACTOR_PATHS = ("otp_setup", "otp_verify", "otp_recovery_codes", "logout")
ENROLLED_AT_LOGIN = "second_factor_enrolled"


def required_for(user) -> bool:
    return user.role in settings.OTP_REQUIRED_ROLES


def enrolled(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def on_login(sender, request, user, **kwargs):
    """user_logged_in: note once whether this account has enrolled, rather than asking on every request."""
    if request is not None and hasattr(request, "session"):
        request.session[ENROLLED_AT_LOGIN] = enrolled(user)


def pending(request) -> bool:
    """Logged in with the password, but the second factor this account needs is not given yet."""
    user = request.user
    if not user.is_authenticated or not (required_for(user) or request.session.get(ENROLLED_AT_LOGIN)):
        return False
    return not user.is_verified()


def new_key() -> str:
    """A new TOTP secret (hex, as django-otp stores it); kept in the session until confirmed."""
    return random_hex(20)


def device_for(user, key: str) -> TOTPDevice:
    """The authenticator being enrolled (not saved): its otpauth:// URL and secret are shown to the user."""
    return TOTPDevice(user=user, key=key, name="身份验证器")


def secret(device: TOTPDevice) -> str:
    return b32encode(device.bin_key).decode()


def qr_svg(device: TOTPDevice) -> str:
    return segno.make(device.config_url, error="m").svg_inline(scale=4)


@transaction.atomic
def enrol(request, key: str, code: str) -> list[str] | None:
    """Confirm a new authenticator with a code from it, replacing any earlier one; returns the new recovery
    codes, or None if the code is wrong. An enrolled account must have given its second factor first."""
    user = request.user
    if enrolled(user) and not user.is_verified():
        raise PermissionDenied("请先完成两步验证。")
    device = device_for(user, key)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    if not (code.isdigit() and len(code) == device.digits and totp.verify(int(code), device.tolerance)):
        return None
    device.confirmed, device.drift, device.last_t = True, totp.drift, totp.t()
    TOTPDevice.objects.filter(user=user).delete()
    device.save()
    StaticDevice.objects.filter(user=user).delete()
    recovery = StaticDevice.objects.create(user=user, name="恢复码")
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    recovery.token_set.bulk_create([StaticToken(device=recovery, token=c) for c in codes])
    otp_login(request, device)
    record(Kind.SECOND_FACTOR, request=request, detail="启用两步验证（新的验证器和恢复码）")
    return codes


def verify(request, code: str) -> bool:
    """The second step of a login: a current TOTP code or an unused recovery code (spent once used)."""
    device = match_token(request.user, code.replace(" ", ""))
    if device is None:
        return False
    otp_login(request, device)
    return True


@transaction.atomic
def reset_second_factor(actor, user) -> None:
    """The province removes a user's authenticator and recovery codes: they enrol again (if required)."""
    if not actor.is_province:
        raise PermissionDenied("只有省质监总站可以重置两步验证。")
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    record(Kind.SECOND_FACTOR, user=actor, obj=user, detail=f"重置 {user.get_username()} 的两步验证")


class SecondFactorMiddleware:
    """Until the second factor is given, every page but the second-factor pages leads to them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if pending(request) and not request.path.startswith(settings.STATIC_URL):
            allowed = {reverse(name) for name in SECOND_FACTOR_PATHS}
            if request.path not in allowed:
                if not enrolled(request.user):
                    return redirect("otp_setup")
                return redirect(f"{reverse('otp_verify')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
