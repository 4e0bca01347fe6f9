"""Cities, testing institutions, their qualifications and capabilities, and user accounts."""

from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition
from django_fsm_log.decorators import fsm_log_by, fsm_log_description

from web import freshness

from .credentials import validate_mobile, validate_username
from .validators import validate_credit_code


class Kind(models.TextChoices):
    """The two kinds of testing: each is a qualification, a certificate kind and a menu module.

    The guide lists 建材 before 地基; as "JC" > "DJ", order by ``-kind`` to follow it.
    """

    JC = "JC", "建材"
    DJ = "DJ", "地基"


class City(models.Model):
    code = models.SlugField("代码", unique=True)
    name = models.CharField("名称", max_length=20, unique=True)
    order = models.PositiveSmallIntegerField("排序", default=0)
    email = models.EmailField("接收消息的电子邮箱", blank=True, help_text="消息的每日邮件汇总发往此邮箱")

    class Meta:
        ordering = ["order"]
        verbose_name = verbose_name_plural = "省辖市"

    def __str__(self):
        return self.name


class InstitutionQuerySet(models.QuerySet):
    def visible_to(self, user):
        if user.is_province:
            return self.all()
        if user.is_city:
            return self.filter(city_id=user.city_id)
        if user.is_institution:
            return self.filter(pk=user.institution_id)
        return self.none()

    def operating(self):
        """Those that may file and receive staff: 正常, and 筹建 (it reports its people first)."""
        return self.filter(status__in=Institution.OPERATING)

    def holding(self, kind):
        return self.filter(qualifications__kind=kind)


def _by_province(_institution, user) -> bool:
    """Suspending, resuming and closing an institution is the province's."""
    return user.is_province


class Institution(FSMModelMixin, models.Model):
    class Status(models.TextChoices):
        PREPARING = "preparing", "筹建"
        ACTIVE = "active", "正常"
        SUSPENDED = "suspended", "暂停"
        CANCELLED = "cancelled", "注销"

    OPERATING = [Status.PREPARING, Status.ACTIVE]

    name = models.CharField("机构名称", max_length=100, unique=True)
    credit_code = models.CharField(
        "统一社会信用代码", max_length=18, unique=True, validators=[validate_credit_code]
    )
    city = models.ForeignKey(City, models.PROTECT, verbose_name="所在市", related_name="institutions")
    address = models.CharField("地址", max_length=200, blank=True)
    legal_representative = models.CharField("法定代表人", max_length=50, blank=True)
    contact_person = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = models.CharField("联系电话", max_length=30, blank=True)
    email = models.EmailField("接收消息的电子邮箱", blank=True, help_text="消息的每日邮件汇总发往此邮箱")
    status = FSMField("状态", max_length=10, choices=Status.choices, default=Status.PREPARING, protected=True)

    objects = InstitutionQuerySet.as_manager()

    class Meta:
        ordering = ["city__order", "name"]
        verbose_name = verbose_name_plural = "检测机构"

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        freshness.changed()  # lists of institutions kept in the cache (添加变更's 调入机构) are stale

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=Status.PREPARING, target=Status.ACTIVE)
    def open(self, by=None, description=None):
        """筹建 → 正常: its first 机构备案 was approved."""

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=Status.ACTIVE, target=Status.SUSPENDED, permission=_by_province)
    def suspend(self, by=None, description=None):
        """暂停 by the province: it can neither file nor receive until resumed."""

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=Status.SUSPENDED, target=Status.ACTIVE, permission=_by_province)
    def resume(self, by=None, description=None):
        """The province lifts a suspension."""

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=[Status.PREPARING, Status.ACTIVE, Status.SUSPENDED],
        target=Status.CANCELLED,
        permission=_by_province,
    )
    def close(self, by=None, description=None):
        """注销 by the province: for good; its logins stop working."""

    # The province's status actions on an institution (URL names institution_<action>).
    STATUS_ACTIONS = {"suspend": "暂停", "resume": "恢复", "close": "注销"}

    def status_actions(self, user) -> list[tuple[str, str]]:
        """(action, label) the user may run now: the buttons of the institution's page."""
        available = {t.name for t in self.get_available_user_status_transitions(user)}
        return [(name, label) for name, label in self.STATUS_ACTIONS.items() if name in available]

    @property
    def operating(self) -> bool:
        return self.status in self.OPERATING

    def refusal(self) -> str:
        """Why it may not file or receive ('' when it may)."""
        if self.operating:
            return ""
        return f"{self.name}已{self.get_status_display()}，不能办理或接收申请。"

    def kinds(self) -> list[str]:
        """Kinds of qualification held (uses the prefetch cache when present)."""
        return sorted({q.kind for q in self.qualifications.all()}, reverse=True)

    def holds(self, kind, on=None) -> bool:
        """Whether a qualification of ``kind`` is in force on ``on`` (today): what the transfer rule uses.
        A closed (注销) institution holds nothing."""
        if self.status == self.Status.CANCELLED:
            return False
        on = on or timezone.localdate()
        return any(q.kind == kind and q.in_force(on) for q in self.qualifications.all())


class QualificationQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(institution__in=Institution.objects.visible_to(user))

    def expiring(self, on=None):
        """Expired, or expiring within ``Qualification.EXPIRY_WARNING_DAYS`` of ``on`` (today), soonest
        first; closed institutions left out."""
        on = on or timezone.localdate()
        limit = on + timedelta(days=Qualification.EXPIRY_WARNING_DAYS)
        return (
            self.filter(valid_until__lte=limit)
            .exclude(institution__status=Institution.Status.CANCELLED)
            .order_by("valid_until", "pk")
        )


class Qualification(models.Model):
    """资质: 建材 or 地基, at most one of each per institution."""

    MAX_COPY_SCANS = 5
    EXPIRY_WARNING_DAYS = 90

    institution = models.ForeignKey(
        Institution, models.CASCADE, related_name="qualifications", verbose_name="检测机构"
    )
    kind = models.CharField("类别", max_length=2, choices=Kind.choices)
    number = models.CharField("资质证书编号", max_length=50)
    valid_from = models.DateField("有效期起")
    valid_until = models.DateField("有效期至")
    scope = models.TextField("资质范围", blank=True)

    objects = QualificationQuerySet.as_manager()

    class Meta:
        ordering = ["-kind"]
        verbose_name = verbose_name_plural = "资质"
        constraints = [
            models.UniqueConstraint(fields=["institution", "kind"], name="one_qualification_per_kind"),
            models.CheckConstraint(condition=Q(valid_until__gte=models.F("valid_from")), name="valid_range"),
        ]

    def __str__(self):
        return f"{self.institution} {self.get_kind_display()}资质"

    def in_force(self, on) -> bool:
        return self.valid_from <= on <= self.valid_until

    def days_left(self, on=None) -> int:
        """Days until it expires (negative once expired)."""
        return (self.valid_until - (on or timezone.localdate())).days


class Capability(models.Model):
    """检测能力: one test item / parameter an institution is approved for, per kind."""

    institution = models.ForeignKey(
        Institution, models.CASCADE, related_name="capabilities", verbose_name="检测机构"
    )
    kind = models.CharField("类别", max_length=2, choices=Kind.choices)
    category = models.CharField("检测类别", max_length=100)
    item = models.CharField("检测项目", max_length=100)
    parameters = models.TextField("检测参数", blank=True)

    class Meta:
        ordering = ["-kind", "category", "item"]
        verbose_name = verbose_name_plural = "检测能力"
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "kind", "category", "item"], name="unique_capability"
            )
        ]

    def __str__(self):
        return f"{self.category} / {self.item}"


class User(AbstractUser):
    """A login of one of the three roles; its scope is its institution, its city, or the province."""

    class Role(models.TextChoices):
        INSTITUTION = "institution", "检测机构"
        CITY = "city", "省辖市建设行政主管部门"
        PROVINCE = "province", "省质监总站"

    username = models.CharField(
        "用户名",
        max_length=150,
        unique=True,
        validators=[validate_username],
        help_text="字母、数字和 . _ - 。",
        error_messages={"unique": "该用户名已被使用。"},
    )
    role = models.CharField("角色", max_length=12, choices=Role.choices, blank=True)
    city = models.ForeignKey(City, models.PROTECT, null=True, blank=True, verbose_name="所属市")
    institution = models.ForeignKey(
        Institution, models.PROTECT, null=True, blank=True, related_name="users", verbose_name="所属机构"
    )
    full_name = models.CharField("姓名", max_length=50, blank=True, help_text="使用此账号的经办人。")
    phone = models.CharField(
        "手机",
        max_length=11,
        blank=True,
        validators=[validate_mobile],
        help_text="11 位手机号码。",
    )
    must_change_password = models.BooleanField("首次登录须修改密码", default=False)
    # db_default as well: bulk loads that leave the column out (bench/pages.py) start the clock at load time.
    password_changed_at = models.DateTimeField("密码修改时间", default=timezone.now, db_default=Now())

    class Meta:
        verbose_name = verbose_name_plural = "用户"
        constraints = [
            models.CheckConstraint(
                name="role_scope",
                condition=(
                    Q(role="institution", institution__isnull=False, city__isnull=True)
                    | Q(role="city", city__isnull=False, institution__isnull=True)
                    | Q(role__in=["province", ""], city__isnull=True, institution__isnull=True)
                ),
            )
        ]

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        if not self.is_active:
            UserSession.objects.end_for(self)  # a disabled account is logged out everywhere at once

    def set_password(self, raw_password):
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    @property
    def password_expired(self) -> bool:
        """Older than PASSWORD_MAX_AGE_DAYS (0: passwords never expire)."""
        days = settings.PASSWORD_MAX_AGE_DAYS
        return bool(days) and self.password_changed_at < timezone.now() - timedelta(days=days)

    @property
    def password_change_due(self) -> bool:
        """The user may do nothing but change the password: an initial password, or an expired one."""
        return self.must_change_password or self.password_expired

    @property
    def is_province(self):
        return self.is_authenticated and self.role == self.Role.PROVINCE

    @property
    def is_city(self):
        return self.is_authenticated and self.role == self.Role.CITY

    @property
    def is_institution(self):
        return self.is_authenticated and self.role == self.Role.INSTITUTION

    @property
    def is_reviewer(self):
        return self.is_city or self.is_province

    @property
    def scope_label(self) -> str:
        if self.is_institution:
            return self.institution.name
        if self.is_city:
            return f"{self.city.name}建设行政主管部门"
        if self.is_province:
            return "省质监总站"
        return ""


class PasswordHistory(models.Model):
    """The hashes of a user's recent passwords (``credentials.HistoryValidator`` keeps the last few)."""

    user = models.ForeignKey(User, models.CASCADE, related_name="password_history", verbose_name="用户")
    password = models.CharField("密码（哈希）", max_length=128)
    created_at = models.DateTimeField("设置时间", auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = verbose_name_plural = "历史密码"

    def __str__(self):
        return f"{self.user} {self.created_at:%Y-%m-%d %H:%M}"


class UserSessionQuerySet(models.QuerySet):
    def end_for(self, user, keep: str | None = None) -> None:
        """End every session of ``user`` but ``keep``: delete them from the session store, whatever engine."""
        store = import_module(settings.SESSION_ENGINE).SessionStore
        ended = self.filter(user=user).exclude(session_key=keep or "")
        for key in ended.values_list("session_key", flat=True):
            store(session_key=key).delete()
        ended.delete()


class UserSession(models.Model):
    """One logged-in session of a user, so that it can be ended from elsewhere (``sessions.py``)."""

    user = models.ForeignKey(User, models.CASCADE, related_name="sessions", verbose_name="用户")
    session_key = models.CharField("会话", max_length=40, unique=True)
    created_at = models.DateTimeField("登录时间", auto_now_add=True)

    objects = UserSessionQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "登录会话"

    def __str__(self):
        return f"{self.user} {self.created_at:%Y-%m-%d %H:%M}"
