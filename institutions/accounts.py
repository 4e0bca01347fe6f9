"""Accounts the province manages: opening an institution together with its first login, lifting login locks."""

from axes.utils import reset
from django.core.exceptions import PermissionDenied
from django.db import transaction

from audit.events import Kind, record

from .models import Institution, User


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
