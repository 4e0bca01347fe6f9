"""Rules for login names and passwords (the password rules are AUTH_PASSWORD_VALIDATORS)."""

import string

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator

validate_username = RegexValidator(
    r"\A[A-Za-z0-9._-]+\Z", "用户名只能由字母、数字和 . _ - 组成，不能含空格或其他符号。"
)

CLASSES = {
    "大写字母": lambda c: c in string.ascii_uppercase,
    "小写字母": lambda c: c in string.ascii_lowercase,
    "数字": str.isdigit,
    "符号": lambda c: not c.isalnum() and not c.isspace(),
}


class ComplexityValidator:
    """At least ``min_length`` characters from at least ``min_classes`` of 大写字母, 小写字母, 数字, 符号."""

    def __init__(self, min_length: int = 8, min_classes: int = 3):
        self.min_length = min_length
        self.min_classes = min_classes

    def validate(self, password, user=None):
        if len(password) < self.min_length:
            raise ValidationError(f"密码至少 {self.min_length} 位。", code="password_too_short")
        used = sum(any(test(c) for c in password) for test in CLASSES.values())
        if used < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self):
        return f"密码至少 {self.min_length} 位，须包含大写字母、小写字母、数字、符号中的至少 {self.min_classes} 类。"


class NotUsernameValidator:
    """The password neither is nor contains the username (ignoring case)."""

    def validate(self, password, user=None):
        username = getattr(user, "username", "") or ""
        if username and username.lower() in password.lower():
            raise ValidationError("密码不能是用户名，也不能包含用户名。", code="password_contains_username")

    def get_help_text(self):
        return "密码不能包含用户名。"


class HistoryValidator:
    """Not the current password nor one of the last ``count`` (hashes kept in PasswordHistory)."""

    def __init__(self, count: int = 5):
        self.count = count

    def validate(self, password, user=None):
        if user is None or user.pk is None:
            return
        recent = list(user.password_history.values_list("password", flat=True)[: self.count])
        if any(check_password(password, encoded) for encoded in [user.password, *recent] if encoded):
            raise ValidationError(
                f"新密码不能与最近 {self.count} 次使用过的密码相同。", code="password_reused"
            )

    def password_changed(self, password, user=None):
        """Called when a user's new password is saved: keep its hash, and only the last ``count``."""
        if user is None or user.pk is None:
            return
        latest = user.password_history.first()
        if latest is not None and check_password(password, latest.password):
            return  # the same password rehashed (a stronger hasher), not a new one
        user.password_history.create(password=user.password)
        stale = user.password_history.values_list("pk", flat=True)[self.count :]
        user.password_history.filter(pk__in=list(stale)).delete()

    def get_help_text(self):
        return f"不能与最近 {self.count} 次使用过的密码相同。"


validate_mobile = RegexValidator(r"\A1[3-9][0-9]{9}\Z", "手机号码应为 11 位数字，以 13–19 开头。")
