"""The first 省质监总站 login on an empty production database (there is no admin site, and createsuperuser
makes a user without a role). Interactive, or from the environment for automation; never prints a password."""

import getpass
import os

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from audit.events import Kind, record
from institutions.credentials import validate_mobile, validate_username
from institutions.models import User

ENV = {
    "username": "JIANCE_PROVINCE_USERNAME",
    "password": "JIANCE_PROVINCE_PASSWORD",
    "full_name": "JIANCE_PROVINCE_NAME",
    "phone": "JIANCE_PROVINCE_PHONE",
}
TRIES = 3


def _messages(error: ValidationError) -> str:
    return "；".join(error.messages)


class Command(BaseCommand):
    help = (
        "新建省质监总站登录账号（生产环境首次部署时使用）。交互输入用户名、姓名、手机和两次密码；"
        f"或设置环境变量 {ENV['username']}、{ENV['password']}（可选 {ENV['full_name']}、{ENV['phone']}）"
        "并加 --no-input。密码须符合密码规则；用户名已存在时拒绝；从不显示密码。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-input", action="store_false", dest="interactive", help="不提问，从环境变量读取全部内容"
        )

    def handle(self, *args, interactive, **options):
        values = {key: os.environ.get(name, "").strip() for key, name in ENV.items()}
        values["password"] = os.environ.get(ENV["password"], "")
        if interactive and not (values["username"] and values["password"]):
            values = self._ask(values)
        else:
            missing = [ENV[key] for key in ("username", "password") if not values[key]]
            if missing:
                raise CommandError(f"请设置环境变量 {'、'.join(missing)}。")
            values["username"] = self._check_username(values["username"])
            if values["phone"]:
                self._check(validate_mobile, values["phone"], "手机")
            try:
                password_validation.validate_password(values["password"], User(username=values["username"]))
            except ValidationError as error:
                raise CommandError(f"密码不符合规则：{_messages(error)}") from error
        user = self._create(**values)
        self.stdout.write(self.style.SUCCESS(f"已新建省质监总站账号 {user.username}。"))

    def _check_username(self, username: str) -> str:
        self._check(validate_username, username, "用户名")
        if User.objects.filter(username__iexact=username).exists():
            raise CommandError(f"用户名 {username} 已存在，未作任何修改。")
        return username

    @staticmethod
    def _check(validator, value, label):
        try:
            validator(value)
        except ValidationError as error:
            raise CommandError(f"{label}无效：{_messages(error)}") from error

    def _ask(self, values: dict) -> dict:
        username = values["username"] or input("用户名: ").strip()
        username = self._check_username(username)
        full_name = values["full_name"] or input("姓名: ").strip()
        phone = values["phone"] or input("手机（可留空）: ").strip()
        if phone:
            self._check(validate_mobile, phone, "手机")
        candidate = User(username=username)
        for _ in range(TRIES):
            password = getpass.getpass("密码: ")
            if password != getpass.getpass("再次输入密码: "):
                self.stderr.write("两次输入的密码不一致，请重新输入。")
                continue
            try:
                password_validation.validate_password(password, candidate)
            except ValidationError as error:
                self.stderr.write(f"密码不符合规则：{_messages(error)}")
                continue
            return {"username": username, "password": password, "full_name": full_name, "phone": phone}
        raise CommandError(f"{TRIES} 次未设置成功，未新建账号。")

    @transaction.atomic
    def _create(self, *, username, password, full_name, phone) -> User:
        if User.objects.select_for_update().filter(username__iexact=username).exists():
            raise CommandError(f"用户名 {username} 已存在，未作任何修改。")
        user = User(username=username, role=User.Role.PROVINCE, full_name=full_name[:50], phone=phone)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save()
        record(
            Kind.ACCOUNT_CHANGED,
            username="manage.py",
            obj=user,
            detail=f"命令行新建省质监总站账号 {username}",
        )
        return user
