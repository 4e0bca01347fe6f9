"""Post certificates (岗位合格证书), the applications that change them, announcements and printing tasks."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition
from django_fsm_log.decorators import fsm_log_by, fsm_log_description

from institutions.models import City, Institution, Kind
from personnel.models import ID_NUMBER, Person
from reviews import processes
from reviews.models import Application
from web import freshness
from web.choices import label_of
from web.search import startswith
from workdays.deadlines import Deadline, DeadlineQuerySet


class CertificateStatus(models.TextChoices):
    NORMAL = "normal", "正常"
    NO_CREDIT_FILE = "no_credit_file", "无信用档案"
    DETACHED = "detached", "调离"
    CANCELLED = "cancelled", "注销"


LIVE_STATUSES = [CertificateStatus.NORMAL, CertificateStatus.NO_CREDIT_FILE, CertificateStatus.DETACHED]


class PostCertificateQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        """Also sets the holders' modules (``Person.module_jc`` / ``module_dj``) and marks the lists'
        cached counts stale, as ``save`` does."""
        objs = super().bulk_create(objs, *args, **kwargs)
        holders = sorted({c.holder_id for c in objs})
        for start in range(0, len(holders), 500):  # within any database's limit of query parameters
            Person.objects.filter(pk__in=holders[start : start + 500]).refresh_modules()
        freshness.changed()
        return objs

    def visible_to(self, user):
        """Certificates of the people the user may see (the province sees every one, with no filter)."""
        if user.is_province:
            return self.all()
        if user.is_institution:
            return self.filter(holder__institution_id=user.institution_id)
        return self.filter(holder__in=Person.objects.visible_to(user))

    def search(self, text):
        """By the holder's full ID number, (the start of) the certificate number, or (the start of) the
        holder's name."""
        text = (text or "").strip()
        if not text:
            return self
        if ID_NUMBER.fullmatch(text.upper()):
            return self.filter(holder__id_number=text.upper())
        if any(ch.isdigit() for ch in text):
            return self.filter(startswith("number", text.upper(), self.db))
        return self.filter(startswith("holder__name", text, self.db))

    def live(self):
        return self.filter(status__in=LIVE_STATUSES)


class PostCertificate(ConcurrentTransitionMixin, models.Model):
    kind = models.CharField("类别", max_length=2, choices=Kind.choices)
    number = models.CharField("证书编号", max_length=30)
    holder = models.ForeignKey(Person, models.PROTECT, related_name="certificates", verbose_name="持证人")
    institution = models.ForeignKey(
        Institution,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="certificates",
        verbose_name="所在机构",
    )
    status = FSMField(
        "证书状态", default=CertificateStatus.NORMAL, choices=CertificateStatus.choices, protected=True
    )
    issued_on = models.DateField("发证日期")
    edition = models.PositiveSmallIntegerField("版次", default=1)

    objects = PostCertificateQuerySet.as_manager()

    class Meta:
        ordering = ["-kind", "number"]  # 建材 first, as in the guide
        verbose_name = verbose_name_plural = "岗位合格证书"
        constraints = [
            models.UniqueConstraint(fields=["kind", "number"], name="certificate_number_unique_per_kind"),
            models.UniqueConstraint(fields=["holder", "kind"], name="one_certificate_per_kind_per_person"),
            models.CheckConstraint(
                name="detached_has_no_institution",
                condition=~Q(status="detached") | Q(institution__isnull=True),
            ),
        ]
        indexes = [
            # Number search by prefix (PostgreSQL: LIKE 'x%'; elsewhere a plain index and a range).
            models.Index(
                fields=["number"], opclasses=["varchar_pattern_ops"], name="certificate_number_prefix"
            ),
        ]

    get_kind_display = label_of("kind", Kind.choices)
    get_status_display = label_of("status", CertificateStatus.choices)

    def __str__(self):
        return f"{self.get_kind_display()} {self.number}"

    def save(self, *args, **kwargs):
        adding = self._state.adding
        super().save(*args, **kwargs)
        if adding:  # the holder now belongs to this kind's module (and no longer to the other's alone)
            Person.objects.filter(pk=self.holder_id).refresh_modules()
        freshness.changed()  # 证书信息's cached counts (by status) are stale once this commits

    # --- Status machine. Each method sets fields; the process's approval effect calls it. ---

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=LIVE_STATUSES,
        target=RETURN_VALUE(CertificateStatus.NO_CREDIT_FILE, CertificateStatus.DETACHED),
    )
    def follow_holder(self, institution, by=None, description=None):
        """The holder joined ``institution``: the certificate moves there if it holds the kind, else detaches."""
        if institution.holds(self.kind):
            self.institution = institution
            return CertificateStatus.NO_CREDIT_FILE
        self.institution = None
        return CertificateStatus.DETACHED

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=CertificateStatus.NO_CREDIT_FILE, target=CertificateStatus.NORMAL)
    def file_credit(self, by=None, description=None):
        """Personnel filing approved at the certificate's institution."""

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=LIVE_STATUSES, target=CertificateStatus.CANCELLED)
    def cancel(self, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=LIVE_STATUSES, target=RETURN_VALUE(*LIVE_STATUSES))
    def reissue(self, by=None, description=None):
        """A new edition replaces the printed one, which becomes void."""
        self.edition += 1
        return self.status


def predicted_outcome(certificate, institution):
    """(status, institution) a certificate would have if its holder joined ``institution`` (the transfer rule, docs/domain.md)."""
    if certificate.status == CertificateStatus.CANCELLED:
        return certificate.status, certificate.institution
    if institution.holds(certificate.kind):
        return CertificateStatus.NO_CREDIT_FILE, institution
    return CertificateStatus.DETACHED, None


class TransferRequest(Application):
    """人员变更调离: the filing institution is the outgoing one, ``receiving_institution`` the 调入机构."""

    class Meta:
        verbose_name = verbose_name_plural = "人员变更调离"


class CertificateChange(models.Model):
    """What an approved request did to one certificate: the record behind 'before → after' and 公告."""

    application = models.ForeignKey(Application, models.PROTECT, related_name="certificate_changes")
    certificate = models.ForeignKey(PostCertificate, models.PROTECT, related_name="changes")
    status_before = models.CharField(max_length=20, choices=CertificateStatus.choices)
    status_after = models.CharField(max_length=20, choices=CertificateStatus.choices)
    institution_before = models.ForeignKey(
        Institution, models.PROTECT, null=True, blank=True, related_name="+"
    )
    institution_after = models.ForeignKey(
        Institution, models.PROTECT, null=True, blank=True, related_name="+"
    )
    edition_before = models.PositiveSmallIntegerField()
    edition_after = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["-certificate__kind"]
        constraints = [
            models.UniqueConstraint(fields=["application", "certificate"], name="one_change_per_certificate")
        ]

    def __str__(self):
        return f"{self.certificate}: {self.get_status_before_display()} → {self.get_status_after_display()}"


# 公告 of the province's decisions about an institution (no application behind them).
INSTITUTION_NOTICES = [
    ("institution_suspended", "机构暂停"),
    ("institution_resumed", "机构恢复"),
    ("institution_closed", "机构注销"),
]


def announcement_types() -> list[tuple[str, str]]:
    return processes.type_choices() + INSTITUTION_NOTICES


class AnnouncementQuerySet(models.QuerySet):
    def for_public_display(self):
        return self.order_by("-published_at", "-pk")

    def search(self, text):
        text = (text or "").strip()
        if not text:
            return self
        return self.filter(Q(person_name__icontains=text) | Q(certificate_numbers__icontains=text))


class Announcement(models.Model):
    """公告: a public notice of an approved transfer, reissue or cancellation, or of an institution's
    suspension, resumption or closure by the province (no application). Never holds an ID number."""

    application = models.OneToOneField(
        Application, models.PROTECT, null=True, blank=True, related_name="announcement"
    )
    type = models.CharField("类型", max_length=30, choices=announcement_types)
    published_at = models.DateTimeField("公告日期", default=timezone.now, db_index=True)
    person_name = models.CharField("姓名", max_length=50)
    certificate_numbers = models.CharField("证书编号", max_length=200)
    from_institution = models.CharField("原机构", max_length=100, blank=True)
    to_institution = models.CharField("调入机构", max_length=100, blank=True)
    summary = models.CharField("公告内容", max_length=300, blank=True)

    objects = AnnouncementQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = verbose_name_plural = "公告"

    def __str__(self):
        return f"{self.get_type_display()}公告：{self.person_name}"


class PrintTaskQuerySet(models.QuerySet):
    def visible_to(self, user):
        if user.is_province:
            return self.all()
        if user.is_city:
            return self.filter(destination_city_id=user.city_id)
        return self.filter(certificate__in=PostCertificate.objects.visible_to(user))


def _is_province(task, user) -> bool:
    return user.is_province


def _is_destination_city(task, user) -> bool:
    return user.is_city and user.city_id == task.destination_city_id


class PrintTask(ConcurrentTransitionMixin, models.Model):
    """Printing and delivery of one certificate edition: 待打印 → 已打印 → 已寄出 → 已发放."""

    class State(models.TextChoices):
        PENDING = "pending", "待打印"
        PRINTED = "printed", "已打印"
        SENT = "sent", "已寄出"
        DELIVERED = "delivered", "已发放"
        VOID = "void", "已作废"

    certificate = models.ForeignKey(PostCertificate, models.PROTECT, related_name="print_tasks")
    application = models.ForeignKey(Application, models.PROTECT, related_name="print_tasks")
    edition = models.PositiveSmallIntegerField("版次")
    destination_city = models.ForeignKey(City, models.PROTECT, related_name="+", verbose_name="寄往")
    state = FSMField("状态", default=State.PENDING, choices=State.choices, protected=True)
    get_state_display = label_of("state", State.choices)
    created_at = models.DateTimeField(default=timezone.now)
    printed_at = models.DateTimeField("打印时间", null=True, blank=True)
    sent_at = models.DateTimeField("寄出时间", null=True, blank=True)
    tracking_number = models.CharField("快递单号", max_length=50, blank=True)
    delivered_on = models.DateField("发放日期", null=True, blank=True)
    recipient = models.CharField("领取人", max_length=50, blank=True)

    objects = PrintTaskQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = verbose_name_plural = "证书打印"
        constraints = [
            models.UniqueConstraint(
                fields=["certificate", "edition", "application"], name="one_print_per_edition"
            )
        ]
        indexes = [
            models.Index(fields=["state", "destination_city", "created_at", "id"], name="printtask_queue")
        ]

    def __str__(self):
        return f"{self.certificate} 第{self.edition}版 {self.get_state_display()}"

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=State.PENDING, target=State.PRINTED, permission=_is_province)
    def mark_printed(self, by=None, description=None):
        self.printed_at = timezone.now()

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=State.PRINTED, target=State.SENT, permission=_is_province)
    def send(self, tracking_number="", by=None, description=None):
        self.sent_at = timezone.now()
        self.tracking_number = tracking_number

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=State.SENT, target=State.DELIVERED, permission=_is_destination_city)
    def deliver(self, recipient, delivered_on, by=None, description=None):
        self.recipient = recipient
        self.delivered_on = delivered_on

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=[State.PENDING, State.PRINTED], target=State.VOID)
    def void(self, by=None, description=None):
        """Superseded before it left the province (a newer edition or institution, or 注销)."""


class ReissueRequest(Application):
    """人员上岗证补办 (补证): a new edition of lost or damaged certificates."""

    reason = models.TextField("补证原因")
    certificates = models.ManyToManyField(PostCertificate, related_name="+", verbose_name="补办证书")

    class Meta:
        verbose_name = verbose_name_plural = "人员上岗证补办"


class CancellationRequest(Application):
    """人员注销: the certificates become 注销 and the paper ones are recovered (交回 → 收回)."""

    reason = models.TextField("注销原因")
    holder_agrees = models.BooleanField("本人是否同意注销", null=True)  # None: the province cancelled
    by_province = models.BooleanField("省质监总站直接注销", default=False)
    certificates = models.ManyToManyField(PostCertificate, related_name="+", verbose_name="注销证书")

    class Meta:
        verbose_name = verbose_name_plural = "人员注销"


class RecoveryQuerySet(DeadlineQuerySet):
    def by_deadline(self, value: str):
        """Only a certificate waiting to be mailed back (待交回) has a due date: say so, so that the
        deadline filters walk the (state, due date) index."""
        found = super().by_deadline(value)
        return found.filter(state=Recovery.State.PENDING) if value else found

    def to_mail_back(self, user):
        """The certificates ``user``'s institution must mail back (待交回)."""
        return self.visible_to(user).filter(state=Recovery.State.PENDING)

    def visible_to(self, user):
        """The recoveries of the cancellations the user may see (a cancellation has no receiver)."""
        if user.is_province:
            return self.all()
        if user.is_city:
            return self.filter(application__cities=user.city_id)
        if user.is_institution:
            return self.filter(institution_id=user.institution_id)
        return self.none()


def _is_cancelling_institution(recovery, user) -> bool:
    return user.is_institution and user.institution_id == recovery.application.institution_id


class Recovery(ConcurrentTransitionMixin, Deadline):
    """Recovery of a cancelled paper certificate: 待交回 → 已寄回 (institution) → 已收回 (province)."""

    class State(models.TextChoices):
        PENDING = "pending", "待交回"
        MAILED = "mailed", "已寄回"
        RECOVERED = "recovered", "已收回"

    certificate = models.ForeignKey(PostCertificate, models.PROTECT, related_name="recoveries")
    application = models.ForeignKey(Application, models.PROTECT, related_name="recoveries")
    # The cancelling institution (the application's), kept on the row so that an institution's 待交回
    # (its home, its menu) is read from its own rows in one index, however many are pending elsewhere.
    institution = models.ForeignKey(
        "institutions.Institution",
        models.PROTECT,
        related_name="+",
        verbose_name="注销申请机构",
        editable=False,
    )
    state = FSMField("状态", default=State.PENDING, choices=State.choices, protected=True)
    get_state_display = label_of("state", State.choices)
    created_at = models.DateTimeField("注销时间", default=timezone.now)
    tracking_number = models.CharField("快递单号", max_length=50, blank=True)
    mailed_at = models.DateTimeField("寄回时间", null=True, blank=True)
    recovered_at = models.DateTimeField("收回时间", null=True, blank=True)

    objects = RecoveryQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(fields=["state", "id"], name="recovery_list"),
            # 待交回 in deadline order, and the 已超期 / 即将到期 filters.
            models.Index(fields=["state", "due_on", "id"], name="recovery_due"),
            # An institution's own, by state in deadline order (its home's 证书交回, its menu count).
            models.Index(fields=["institution", "state", "due_on", "id"], name="recovery_institution_due"),
            # 已等待 order (sort=waiting), of all and of one state: without it the list joined every
            # recovery to the people and certificates to sort them (0.3 s at 1,000,000 people).
            models.Index(fields=["created_at", "id"], name="recovery_waiting"),
            models.Index(fields=["state", "created_at", "id"], name="recovery_state_waiting"),
        ]
        verbose_name = verbose_name_plural = "证书收回"
        constraints = [
            models.UniqueConstraint(
                fields=["certificate", "application"], name="one_recovery_per_application"
            )
        ]

    def __str__(self):
        return f"{self.certificate} {self.get_state_display()}"

    @property
    def waiting_days(self) -> int | None:
        """Whole days since the certificate was cancelled, while it is not yet recovered."""
        if self.state == self.State.RECOVERED:
            return None
        return (timezone.now() - self.created_at).days

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=State.PENDING, target=State.MAILED, permission=_is_cancelling_institution)
    def mail(self, tracking_number="", by=None, description=None):
        self.tracking_number = tracking_number
        self.mailed_at = timezone.now()

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state, source=[State.PENDING, State.MAILED], target=State.RECOVERED, permission=_is_province
    )
    def recover(self, by=None, description=None):
        self.recovered_at = timezone.now()
