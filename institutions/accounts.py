"""Accounts the province manages: opening an institution together with its first login, the logins of
cities and institutions (create, disable, re-enable, reset to a one-time password), lifting login locks.

Every change is recorded in the audit log (账号变更) against the account, with the actor; the account page
shows that history."""

import secrets
import string

from axes.utils import reset
from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from audit.events import Kind, record

from .models import Institution, User, UserSession


@transaction.atomic
def create_institution(actor, *, name, credit_code, city, username, password) -> Institution:
    """The province creates a 筹建 institution and its login; the password must be changed at first login."""
    if not actor.is_province:
        raise PermissionDenied("只有省质监总站可以新增检测机构。")
    institution = Institution.objects.create(name=name, credit_code=credit_code, city=city)
    user = User(
        username=username, role=User.Role.INSTITUTION, institution=institution, must_change_password=True
    )
    user.set_password(password)
    user.save()
    record(Kind.ACCOUNT_CHANGED, user=actor, obj=user, detail=f"新增检测机构“{name}”及登录账号 {username}")
    return institution


def unlock_login(actor, *, username: str = "", address: str = "") -> int:
    """The province lifts a login lock on an account or an address; returns the failure records removed."""
    if not actor.is_province:
        raise PermissionDenied("只有省质监总站可以解锁登录。")
    if username:
        removed = reset(username=username)
    elif address:
        removed = reset(ip=address)
    else:
        return 0
    record(Kind.UNLOCKED, user=actor, detail=f"解锁{'账号 ' + username if username else '地址 ' + address}")
    return removed


MANAGED_ROLES = (User.Role.CITY, User.Role.INSTITUTION)
ONE_TIME_LENGTH = 12
ONE_TIME_ALPHABET = string.ascii_letters + string.digits + "@#%+=?"


def managed_accounts():
    """The logins the province manages: every city and institution login (not the province's own)."""
    return User.objects.filter(role__in=MANAGED_ROLES)


def _province_only(actor) -> None:
    if not actor.is_province:
        raise PermissionDenied("只有省质监总站可以管理账号。")


def _label(user) -> str:
    return f"{user.username}（{user.scope_label}{'，' + user.full_name if user.full_name else ''}）"


@transaction.atomic
def create_account(
    actor, *, role, username, password, full_name="", phone="", city=None, institution=None, request=None
) -> User:
    """The province opens a login for a city or an institution; the initial password must be changed at first
    login. The caller has validated the password against the rules (forms do)."""
    _province_only(actor)
    user = User(
        username=username,
        role=role,
        city=city if role == User.Role.CITY else None,
        institution=institution if role == User.Role.INSTITUTION else None,
        full_name=full_name,
        phone=phone,
        must_change_password=True,
    )
    user.set_password(password)
    user.save()
    record(Kind.ACCOUNT_CHANGED, request=request, user=actor, obj=user, detail=f"新增登录账号 {_label(user)}")
    return user


@transaction.atomic
def disable_account(actor, user, *, request=None) -> None:
    """停用: the login can no longer log in, and every session of it ends at once."""
    _province_only(actor)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.role not in MANAGED_ROLES or not user.is_active:
        return
    user.is_active = False
    user.save(update_fields=["is_active"])  # User.save ends the sessions of an inactive user
    UserSession.objects.end_for(user)
    record(Kind.ACCOUNT_CHANGED, request=request, user=actor, obj=user, detail=f"停用登录账号 {_label(user)}")


@transaction.atomic
def enable_account(actor, user, *, request=None) -> None:
    """启用: a disabled login can log in again with its password (locks and rules apply as usual)."""
    _province_only(actor)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.role not in MANAGED_ROLES or user.is_active:
        return
    user.is_active = True
    user.save(update_fields=["is_active"])
    record(Kind.ACCOUNT_CHANGED, request=request, user=actor, obj=user, detail=f"启用登录账号 {_label(user)}")


def one_time_password(user) -> str:
    """A random password that passes the password rules for ``user`` (never stored in clear, never logged)."""
    while True:
        candidate = "".join(secrets.choice(ONE_TIME_ALPHABET) for _ in range(ONE_TIME_LENGTH))
        try:
            password_validation.validate_password(candidate, user)
        except ValidationError:  # draw again (a class missing, the username inside …)
            continue
        return candidate


@transaction.atomic
def reset_password(actor, user, *, request=None) -> str:
    """重置密码: a one-time password, returned once for the province to hand over; it must be changed at first
    login, and every session of the account ends."""
    _province_only(actor)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.role not in MANAGED_ROLES:
        raise PermissionDenied("只能管理省辖市和检测机构的登录账号。")
    password = one_time_password(user)
    user.set_password(password)
    user.must_change_password = True
    user.save()
    UserSession.objects.end_for(user)
    record(
        Kind.ACCOUNT_CHANGED,
        request=request,
        user=actor,
        obj=user,
        detail=f"重置登录账号 {_label(user)} 的密码",
    )
    return password


@transaction.atomic
def update_contact(actor, user, *, full_name, phone, request=None) -> None:
    """The 姓名 and 手机 of the clerk using a login."""
    _province_only(actor)
    before = (user.full_name, user.phone)
    if before == (full_name, phone):
        return
    user.full_name, user.phone = full_name, phone
    user.save(update_fields=["full_name", "phone"])
    record(
        Kind.ACCOUNT_CHANGED,
        request=request,
        user=actor,
        obj=user,
        detail=f"修改登录账号 {user.username} 的姓名、手机：{before[0] or '—'} {before[1] or '—'} → "
        f"{full_name or '—'} {phone or '—'}",
    )
