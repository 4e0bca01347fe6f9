"""The one review machine every request type uses, the city approvals it counts, and attachments.

A process (transfer, reissue, …) is a child model of ``Request`` (multi-table inheritance): it adds
its own fields and its effect on approval (``apply_approval``) and never a lifecycle of its own.
"""

import uuid
from importlib import import_module
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition
from django_fsm_log.decorators import fsm_log_by, fsm_log_description


class State(models.TextChoices):
    DRAFT = "draft", "草稿"
    PENDING_RECEIPT = "pending_receipt", "待接收"
    PENDING_CITY = "pending_city", "待市级审核"
    PENDING_PROVINCE = "pending_province", "待省级复核"
    APPROVED = "approved", "已通过"
    RETURNED = "returned", "已退回"
    WITHDRAWN = "withdrawn", "已撤回"
    REFUSED = "refused", "已拒收"


OPEN_STATES = [State.DRAFT, State.PENDING_RECEIPT, State.PENDING_CITY, State.PENDING_PROVINCE, State.RETURNED]
WITHDRAWABLE = [State.PENDING_RECEIPT, State.PENDING_CITY]


class RequestType(models.TextChoices):
    TRANSFER = "transfer", "人员变更调离"
    REISSUE = "reissue", "人员上岗证补办"
    CANCELLATION = "cancellation", "人员注销"
    PERSONNEL_FILING = "personnel_filing", "人员备案"
    INSTITUTION_FILING = "institution_filing", "机构备案"


# The child model's related name for each type (multi-table inheritance), see Request.detail().
CHILD_ACCESSORS = {
    RequestType.TRANSFER: "transferrequest",
    RequestType.REISSUE: "reissuerequest",
    RequestType.CANCELLATION: "cancellationrequest",
    RequestType.PERSONNEL_FILING: "personnelfiling",
    RequestType.INSTITUTION_FILING: "institutionfiling",
}


class RequestQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Requests a user may see: the filer's and the receiver's own, a city's involved ones, all."""
        if user.is_province:
            return self.all()
        if user.is_city:
            return self.filter(cities=user.city_id)
        if user.is_institution:
            mine = user.institution_id
            received = Q(receiving_institution_id=mine) & ~Q(state=State.DRAFT)
            return self.filter(Q(institution_id=mine) | received)
        return self.none()

    def in_module(self, kind):
        return self.filter(module_jc=True) if kind == "JC" else self.filter(module_dj=True)

    def waiting_for(self, user):
        """Requests whose next decision is this reviewer's."""
        if user.is_province:
            return self.filter(state=State.PENDING_PROVINCE)
        if user.is_city:
            approved = CityApproval.objects.filter(
                request=OuterRef("pk"), city_id=user.city_id, round=OuterRef("round")
            )
            return self.filter(state=State.PENDING_CITY, cities=user.city_id).exclude(Exists(approved))
        if user.is_institution:
            mine = user.institution_id
            return self.filter(
                Q(state=State.PENDING_RECEIPT, receiving_institution_id=mine)
                | Q(state=State.RETURNED, institution_id=mine)
            )
        return self.none()

    def decided_by(self, user):
        """Requests this reviewer has decided on at least once."""
        from django_fsm_log.models import StateLog

        logs = StateLog.objects.filter(
            content_type__app_label="reviews",
            content_type__model="request",
            object_id=OuterRef("pk"),
            transition__in=DECISION_TRANSITIONS,
            by__role=user.role,
        )
        if user.is_city:
            logs = logs.filter(by__city_id=user.city_id)
        return self.filter(Exists(logs))


DECISION_TRANSITIONS = ["approve_city", "return_city", "approve_province", "return_province"]


def _is_filer(request, user) -> bool:
    return user.is_institution and user.institution_id == request.institution_id


def _is_receiver(request, user) -> bool:
    return user.is_institution and user.institution_id == request.receiving_institution_id


def _is_involved_city(request, user) -> bool:
    return user.is_city and request.cities.filter(pk=user.city_id).exists()


def _is_province(request, user) -> bool:
    return user.is_province


def _no_decision_this_round(request) -> bool:
    return not request.approvals.filter(round=request.round).exists()


class Request(ConcurrentTransitionMixin, models.Model):
    type = models.CharField("申请类型", max_length=20, choices=RequestType.choices, editable=False)
    state = FSMField("状态", default=State.DRAFT, choices=State.choices, protected=True)
    institution = models.ForeignKey(
        "institutions.Institution", models.PROTECT, related_name="requests", verbose_name="申请机构"
    )
    receiving_institution = models.ForeignKey(
        "institutions.Institution",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="incoming_requests",
        verbose_name="接收机构",
        help_text="须先接收、再进入市级审核的机构（人员变更调离的调入机构）",
    )
    person = models.ForeignKey(
        "personnel.Person",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
        verbose_name="人员",
    )
    cities = models.ManyToManyField("institutions.City", related_name="requests", verbose_name="须审核的市")
    module_jc = models.BooleanField("涉及建材", default=False)
    module_dj = models.BooleanField("涉及地基", default=False)
    round = models.PositiveIntegerField("审核轮次", default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)

    objects = RequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = verbose_name_plural = "申请"
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(state__in=OPEN_STATES),
                name="one_open_request_per_person",
                violation_error_message="该人员已有未办结的申请，请先办结或撤回。",
            ),
        ]
        indexes = [models.Index(fields=["state", "submitted_at"], name="request_queue")]

    def __str__(self):
        return f"{self.get_type_display()} #{self.pk}"

    # A process (child model) sets these: its type, and the module holding its
    # ``apply(request, actor)`` (the effect of approval) and ``summary_context(request, user)``.
    REQUEST_TYPE: str = ""
    PROCESS: str = ""

    def save(self, *args, **kwargs):
        if self.REQUEST_TYPE:
            self.type = self.REQUEST_TYPE
        super().save(*args, **kwargs)

    @property
    def subject_name(self) -> str:
        """Whom the request is about: the person, or the name filed for someone not yet on record."""
        if self.person_id:
            return self.person.name
        if self.type == RequestType.PERSONNEL_FILING:
            return self.personnelfiling.name
        return ""

    def detail(self):
        """The process's own record (TransferRequest, ReissueRequest, …) of this request."""
        return getattr(self, CHILD_ACCESSORS[self.type])

    def apply_approval(self, actor) -> None:
        import_module(self.PROCESS).apply(self, actor)

    def summary_context(self, user) -> dict:
        return import_module(self.PROCESS).summary_context(self, user)

    def modules(self) -> list[str]:
        return [k for k, on in (("JC", self.module_jc), ("DJ", self.module_dj)) if on]

    def all_cities_approved(self) -> bool:
        approved = self.approvals.filter(round=self.round).values("city_id")
        return not self.cities.exclude(pk__in=approved).exists()

    # --- The lifecycle. Transitions only set fields; reviews.actions does the work around them. ---

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=[State.DRAFT, State.RETURNED],
        target=RETURN_VALUE(State.PENDING_RECEIPT, State.PENDING_CITY),
        permission=_is_filer,
    )
    def submit(self, by=None, description=None):
        self.round += 1
        self.submitted_at = timezone.now()
        return State.PENDING_RECEIPT if self.receiving_institution_id else State.PENDING_CITY

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=WITHDRAWABLE,
        target=State.WITHDRAWN,
        conditions=[_no_decision_this_round],
        permission=_is_filer,
    )
    def withdraw(self, by=None, description=None):
        self.closed_at = timezone.now()

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=State.PENDING_RECEIPT, target=State.PENDING_CITY, permission=_is_receiver)
    def accept(self, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=State.PENDING_RECEIPT, target=State.REFUSED, permission=_is_receiver)
    def refuse(self, by=None, description=None):
        self.closed_at = timezone.now()

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=State.PENDING_CITY,
        target=RETURN_VALUE(State.PENDING_CITY, State.PENDING_PROVINCE),
        permission=_is_involved_city,
    )
    def approve_city(self, by=None, description=None):
        """Called after the city's CityApproval row is written: moves on once every city approved."""
        return State.PENDING_PROVINCE if self.all_cities_approved() else State.PENDING_CITY

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=State.PENDING_CITY, target=State.RETURNED, permission=_is_involved_city)
    def return_city(self, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=State.PENDING_PROVINCE, target=State.APPROVED, permission=_is_province)
    def approve_province(self, by=None, description=None):
        self.closed_at = timezone.now()

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=State.PENDING_PROVINCE, target=State.RETURNED, permission=_is_province)
    def return_province(self, by=None, description=None):
        pass


class CityApproval(models.Model):
    """One city's 同意 in one review round; the request moves on once every required city has one."""

    request = models.ForeignKey(Request, models.CASCADE, related_name="approvals")
    city = models.ForeignKey("institutions.City", models.PROTECT, related_name="+")
    round = models.PositiveIntegerField()
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["request", "city", "round"], name="one_approval_per_city_round")
        ]

    def __str__(self):
        return f"{self.city} 同意 {self.request}（第{self.round}轮）"


class AttachmentType(models.TextChoices):
    """Every kind of scan, in the order the guide lists them (the viewer groups them this way)."""

    TERMINATION = "termination", "解除劳动关系证明"
    LABOUR_CONTRACT = "labour_contract", "劳动合同"
    SOCIAL_SECURITY = "social_security", "社保缴费清单"
    CERTIFICATE_SCAN = "certificate_scan", "上岗证"
    NEWSPAPER_NOTICE = "newspaper_notice", "登报声明"
    ID_CARD = "id_card", "身份证正反面"
    DIPLOMA = "diploma", "学历证书"
    TITLE_CERTIFICATE = "title_certificate", "职称证书"
    QUALIFICATION_ORIGINAL = "qualification_original", "资质证书正本"
    QUALIFICATION_COPY = "qualification_copy", "资质证书副本"


def attachment_key(instance, filename) -> str:
    """A server-generated storage key: the user's file name is kept only as metadata."""
    ext = PurePosixPath(filename).suffix.lower()
    return f"attachments/{timezone.localtime():%Y/%m}/{uuid.uuid4().hex}{ext}"


class AttachmentQuerySet(models.QuerySet):
    def visible_to(self, user):
        from institutions.models import Institution, Qualification

        requests = Request.objects.visible_to(user)
        qualifications = Qualification.objects.filter(institution__in=Institution.objects.visible_to(user))
        return self.filter(Q(request__in=requests) | Q(qualification__in=qualifications))


class Attachment(models.Model):
    request = models.ForeignKey(
        Request, models.CASCADE, null=True, blank=True, related_name="attachments", verbose_name="申请"
    )
    qualification = models.ForeignKey(
        "institutions.Qualification",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="scans",
        verbose_name="资质",
    )
    type = models.CharField("附件类型", max_length=30, choices=AttachmentType.choices)
    page = models.PositiveIntegerField("页码", null=True, blank=True)
    file = models.FileField("文件", upload_to=attachment_key, max_length=200)
    original_name = models.CharField("原文件名", max_length=255)
    content_type = models.CharField("文件类型", max_length=50)
    size = models.PositiveIntegerField("大小")
    sha256 = models.CharField(max_length=64)
    greyscale = models.BooleanField("灰度图像", default=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField("上传时间", default=timezone.now)

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        ordering = ["type", models.F("page").asc(nulls_last=True), "original_name", "pk"]
        verbose_name = verbose_name_plural = "附件"
        constraints = [
            models.CheckConstraint(
                condition=Q(request__isnull=False) | Q(qualification__isnull=False),
                name="attachment_has_owner",
            )
        ]

    def __str__(self):
        return f"{self.get_type_display()} {self.original_name}"

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")
