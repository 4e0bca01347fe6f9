"""消息: what happened, told once to an organisation (``Notice``), and each login's copy with its own read
state (``Recipient``)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Kind(models.TextChoices):
    ARRIVED = "arrived", "待办"
    RETURNED = "returned", "退回"
    APPROVED = "approved", "通过"
    COLLECT = "collect", "证书发放"
    RECOVER = "recover", "证书收回"
    DEADLINE = "deadline", "办理时限"
    EXPIRING = "expiring", "资质到期"
    CONDUCT = "conduct", "信用记录"


class Notice(models.Model):
    """One event told to one organisation (``organisations.key``): the province, a city or an institution.

    ``once_key`` names the event for callers that may tell it again (a daily sweep, a retried action):
    the unique constraint makes the repeat a no-op, even when two tell it at once.
    """

    organisation = models.CharField("接收单位", max_length=40)
    kind = models.CharField("类别", max_length=10, choices=Kind.choices)
    text = models.CharField("内容", max_length=500)
    url = models.CharField("链接", max_length=200)
    once_key = models.CharField("事件标识", max_length=200, null=True, blank=True)
    created_at = models.DateTimeField("时间", default=timezone.now)
    emailed_at = models.DateTimeField("邮件发送时间", null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = verbose_name_plural = "消息"
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "once_key"],
                condition=Q(once_key__isnull=False),
                name="one_notice_per_event",
            )
        ]
        indexes = [
            # The daily digest: messages not yet mailed, per organisation.
            models.Index(
                fields=["organisation", "id"], condition=Q(emailed_at__isnull=True), name="notice_unmailed"
            )
        ]

    def __str__(self):
        return f"{self.organisation} {self.get_kind_display()}：{self.text[:30]}"


class RecipientQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A login's own copies; nobody reads another login's, not even a colleague's."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(user_id=user.pk)

    def unread(self):
        return self.filter(unread=True)


class Recipient(models.Model):
    """A login's copy of a ``Notice``: read by this login or not (a colleague's reading changes nothing)."""

    notice = models.ForeignKey(Notice, models.CASCADE, related_name="recipients", verbose_name="消息")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", verbose_name="账号")
    unread = models.BooleanField("未读", default=True)
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)

    objects = RecipientQuerySet.as_manager()

    class Meta:
        ordering = ["-unread", "-pk"]
        verbose_name = verbose_name_plural = "消息接收人"
        constraints = [models.UniqueConstraint(fields=["notice", "user"], name="one_copy_per_login")]
        indexes = [
            # The header's unread count (user, unread) and the list, unread first (user, -unread, -id).
            models.Index(fields=["user", "unread", "id"], name="recipient_inbox"),
        ]

    def __str__(self):
        return f"{self.user} {self.notice}"
