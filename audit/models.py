"""The append-only log of security events (安全审计).

A row is never changed or deleted by the application: on PostgreSQL a trigger refuses UPDATE, and refuses
DELETE of any row younger than the legal minimum retention (184 days, 网络安全法: at least six months);
``manage.py purge_audit`` deletes only what is older. Rows name people by login and organisation as text,
so that they outlive the accounts; they never hold a password or a full ID number.
"""

from django.db import models
from django.utils import timezone

MIN_RETENTION_DAYS = 184


class Kind(models.TextChoices):
    LOGIN = "login", "登录"
    LOGIN_FAILED = "login_failed", "登录失败"
    LOGOUT = "logout", "退出"
    LOCKED_OUT = "locked_out", "登录锁定"
    UNLOCKED = "unlocked", "解除锁定"
    PASSWORD_CHANGED = "password_changed", "修改密码"
    SECOND_FACTOR = "second_factor", "两步验证变更"
    ACCOUNT_CHANGED = "account_changed", "账号变更"
    ACCESS_REFUSED = "access_refused", "拒绝访问"
    DECISION = "decision", "审核决定"
    ID_SCAN_VIEWED = "id_scan_viewed", "查看身份证扫描件"
    ID_NUMBER_PROBED = "id_number_probed", "身份证号已备案"
    EXPORT = "export", "导出"
    PRINT = "print", "证书打印"
    INSTITUTION_STATUS = "institution_status", "机构状态变更"
    DEADLINES = "deadlines", "办理时限设置"
    CREDIT_SETTINGS = "credit_settings", "信用目录与规则变更"


class Outcome(models.TextChoices):
    SUCCESS = "success", "成功"
    FAILURE = "failure", "失败"
    REFUSED = "refused", "拒绝"


class AuditEventQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.all() if user.is_province else self.none()


class AuditEvent(models.Model):
    at = models.DateTimeField("时间", default=timezone.now)
    kind = models.CharField("事件", max_length=20, choices=Kind.choices)
    outcome = models.CharField("结果", max_length=10, choices=Outcome.choices, default=Outcome.SUCCESS)
    username = models.CharField("用户名", max_length=150, blank=True)
    user_id = models.BigIntegerField("用户编号", null=True, blank=True)
    role = models.CharField("角色", max_length=12, blank=True)
    organisation = models.CharField("单位", max_length=100, blank=True)
    institution_id = models.BigIntegerField("机构编号", null=True, blank=True)
    address = models.CharField("来源地址", max_length=64, blank=True)
    user_agent = models.CharField("浏览器", max_length=255, blank=True)
    path = models.CharField("地址", max_length=255, blank=True)
    object_type = models.CharField("对象类型", max_length=50, blank=True)
    object_id = models.CharField("对象编号", max_length=50, blank=True)
    detail = models.CharField("说明", max_length=500, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = verbose_name_plural = "安全审计记录"
        indexes = [
            models.Index(fields=["at", "id"], name="audit_at"),
            models.Index(fields=["kind", "at", "id"], name="audit_kind"),
            models.Index(fields=["username", "at", "id"], name="audit_user"),
            models.Index(fields=["institution_id", "at", "id"], name="audit_institution"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.get_kind_display()} {self.username}"
