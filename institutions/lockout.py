"""Login throttling on django-axes' database records, so every app server sees the same locks.

Two limits: an account locks after ``LOGIN_FAILURES_PER_ACCOUNT`` failed logins (from anywhere), an
address after ``LOGIN_FAILURES_PER_ADDRESS`` failed logins across accounts; each lock lasts
``LOGIN_LOCK_MINUTES`` from the last failure that counted. Failures while locked do not extend it.
"""

import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Sum
from django.shortcuts import render
from django.utils import timezone

from web.throttle import client_address


@dataclass
class Lock:
    key: str  # the username or the address
    failures: int
    until: datetime


def lock_duration() -> timedelta:
    return timedelta(minutes=settings.LOGIN_LOCK_MINUTES)


def client_ip(request) -> str | None:
    """The address axes records: the one the public look-up limit counts, if it is an IP address."""
    address = client_address(request)
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def _locks(field: str, limit: int, **filters) -> list[Lock]:
    rows = (
        AccessAttempt.objects.filter(attempt_time__gte=timezone.now() - lock_duration(), **filters)
        .exclude(**{f"{field}__isnull": True})
        .values(field)
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=limit)
        .order_by("-last")
    )
    return [Lock(row[field], row["failures"], row["last"] + lock_duration()) for row in rows]


def locked_accounts(**filters) -> list[Lock]:
    return _locks("username", settings.LOGIN_FAILURES_PER_ACCOUNT, **filters)


def locked_addresses(**filters) -> list[Lock]:
    return _locks("ip_address", settings.LOGIN_FAILURES_PER_ADDRESS, **filters)


USERNAME_KEPT = 150  # User.username's length; axes' AccessAttempt.username holds 255


class AccountAndAddressHandler(AxesDatabaseHandler):
    """Axes' database handler (lockout parameter: the username), plus the per-address limit."""

    def is_locked(self, request, credentials=None) -> bool:
        return super().is_locked(request, credentials) or self._address_locked(request)

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        # A username tried can be longer than any account's (and than axes' column): keep what fits.
        name = credentials.get("username")
        if isinstance(name, str) and len(name) > USERNAME_KEPT:
            credentials = {**credentials, "username": name[:USERNAME_KEPT]}
        super().user_login_failed(sender, credentials, request=request, **kwargs)
        if request is not None and not request.axes_locked_out and self._address_locked(request):
            request.axes_locked_out = True
            request.axes_credentials = credentials

    @staticmethod
    def _address_locked(request) -> bool:
        address = request.axes_ip_address
        return address is not None and bool(locked_addresses(ip_address=address))


def lockout_response(request, original_response=None, credentials=None):
    """The login page again, saying in Chinese how long the account or address stays locked."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    locks = locked_accounts(username=username) + locked_addresses(ip_address=request.axes_ip_address)
    until = max((lock.until for lock in locks), default=timezone.now() + lock_duration())
    minutes = max(1, math.ceil((until - timezone.now()).total_seconds() / 60))
    message = f"登录失败次数过多，账号或登录地址已被锁定，请 {minutes} 分钟后再试，或联系省质监总站解锁。"
    return render(
        request,
        "registration/login.html",
        {"locked_message": message, "username": username},
        status=429,
    )
