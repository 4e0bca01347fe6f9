"""The one review machine every process uses, the decisions it counts, and attachments.

A process (人员变更调离, 补证, …) is a child model of ``Application`` (multi-table inheritance) that adds
only its own fields, plus a ``Process`` declaration (``reviews.processes``) for its scans, rules and
effect. This module knows no process.
"""

import secrets
import uuid
from collections import defaultdict
from datetime import timedelta
from functools import cached_property
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition
from django_fsm_log.decorators import fsm_log_by, fsm_log_description

from institutions.cities import name_of as city_name
from institutions.cities import order_of as city_order
from institutions.models import Institution, Qualification
from web.choices import label_of
from workdays.deadlines import Deadline, DeadlineQuerySet, DueDate

from . import processes


class State(models.TextChoices):
    DRAFT = "draft", "草稿"
    PENDING_RECEIPT = "pending_receipt", "待接收"
    PENDING_CITY = "pending_city", "待市级审核"
    PENDING_PROVINCE = "pending_province", "待省级复核"
    APPROVED = "approved", "已通过"
    RETURNED = "returned", "已退回"
    WITHDRAWN = "withdrawn", "已撤回"
    REFUSED = "refused", "已拒收"


class Party(models.TextChoices):
    """Whose part a 退回 asks to correct, where two institutions file (人员变更调离)."""

    FILER = "filer", "调出机构"
    RECEIVER = "receiver", "调入机构"


OPEN_STATES = [State.DRAFT, State.PENDING_RECEIPT, State.PENDING_CITY, State.PENDING_PROVINCE, State.RETURNED]
WITHDRAWABLE = [State.PENDING_RECEIPT, State.PENDING_CITY, State.RETURNED]


def _involves(city_id) -> Exists:
    """The application must be reviewed by ``city_id``: a lookup in the city links' unique index per row,
    so a queue walks its own index in order instead of joining every link of the city."""
    links = Application.cities.through.objects.filter(application=OuterRef("pk"), city_id=city_id)
    return Exists(links)


class ApplicationQuerySet(DeadlineQuerySet):
    def visible_to(self, user):
        """Applications a user may see: the filer's and the receiver's own (one filed by others about an
        institution once approved), a city's involved ones, all."""
        if user.is_province:
            return self.all()
        if user.is_city:
            return self.filter(_involves(user.city_id))
        if user.is_institution:
            mine = user.institution_id
            received = Q(receiving_institution_id=mine) & ~Q(state=State.DRAFT)
            # What others file about the institution (a city's 信用记录) it sees once it is decided.
            own = Q(institution_id=mine) & (
                Q(type__in=processes.filed_by("institution")) | Q(state=State.APPROVED)
            )
            return self.filter(own | received)
        return self.none()

    def open(self):
        return self.filter(state__in=OPEN_STATES)

    def in_module(self, kind):
        return self.filter(module_jc=True) if kind == "JC" else self.filter(module_dj=True)

    def waiting_for(self, user):
        """Applications whose next step is this user's."""
        if user.is_province:
            return self.filter(state=State.PENDING_PROVINCE)
        if user.is_city:
            decided = Decision.objects.filter(
                application=OuterRef("pk"), city_id=user.city_id, round=OuterRef("round")
            )
            return self.filter(_involves(user.city_id), state=State.PENDING_CITY).exclude(Exists(decided))
        if user.is_institution:
            mine = user.institution_id
            filed = Q(type__in=processes.filed_by("institution"))
            return self.filter(
                Q(state=State.PENDING_RECEIPT, receiving_institution_id=mine)
                | (Q(state=State.RETURNED, institution_id=mine) & ~Q(returned_to=Party.RECEIVER) & filed)
                | Q(state=State.RETURNED, receiving_institution_id=mine, returned_to=Party.RECEIVER)
            )
        return self.none()

    def decided_by(self, user):
        """Applications this reviewer's office (the user's city, or the province) has decided on."""
        decisions = Decision.objects.filter(application=OuterRef("pk"))
        if user.is_city:
            return self.filter(Exists(decisions.filter(city_id=user.city_id)))
        if user.is_province:
            return self.filter(Exists(decisions.filter(step=Decision.Step.PROVINCE)))
        return self.none()

    def rows(self, *extra: str):
        """What a list shows of each application, as plain values (``ROW_FIELDS`` and the ``extra``
        fields): read them with ``application_rows``."""
        return self.values(*ROW_FIELDS, *extra)


ROW_FIELDS = ("pk", "type", "state", "subject_name", "submitted_at", "step_started_on", "due_on")
ROW_FIELDS += ("module_jc", "module_dj", "institution_id", "receiving_institution_id")


class ApplicationRow(DueDate):
    """One application as a list shows it: the values of ``ApplicationQuerySet.rows()`` as attributes,
    the parties' names (``institution_name``, ``institution_city``, ``receiving_name``,
    ``receiving_city``), and the model's labels and deadline (``get_type_display``,
    ``get_state_display``, ``days_left`` …)."""

    def __init__(self, values: dict):
        self.__dict__.update(values)

    def get_type_display(self) -> str:
        return processes.label(self.type)

    get_state_display = label_of("state", State.choices)


def application_rows(values) -> list[ApplicationRow]:
    """A list's rows from ``rows()`` values, with the parties' names read in one query of their
    institutions. Joined into the rows' query, the two institutions and their cities cost PostgreSQL
    more to plan than to run (a city's 待办事项 at provincial volume: 2.3 ms of planning, against 0.2 ms
    without them)."""
    rows = [ApplicationRow(v) for v in values]
    ids = {r.institution_id for r in rows} | {r.receiving_institution_id for r in rows}
    ids.discard(None)
    parties = (
        Institution.objects.filter(pk__in=ids).order_by().values_list("pk", "name", "city_id") if ids else []
    )
    names = {pk: (name, city_name(city_id)) for pk, name, city_id in parties}
    for r in rows:
        r.institution_name, r.institution_city = names.get(r.institution_id, ("", ""))
        r.receiving_name, r.receiving_city = names.get(r.receiving_institution_id, (None, None))
    return rows


def name_cities(applications) -> None:
    """Fills ``city_names`` (涉及的市) of a page of applications from one query of the link table, in
    the cities' order, instead of a prefetch (which builds a related manager and a city per link); the
    names come from the city table (``institutions.cities``)."""
    ids = defaultdict(list)
    links = Application.cities.through.objects.filter(application_id__in=[a.pk for a in applications])
    for pk, city_id in links.values_list("application_id", "city_id"):
        ids[pk].append(city_id)
    for application in applications:
        ordered = sorted(ids[application.pk], key=lambda city_id: (city_order(city_id), city_id))
        application.__dict__["city_names"] = "、".join(city_name(city_id) for city_id in ordered)


def _is_filer(application, user) -> bool:
    """The institution that filed it or, for a process a city files, that city (its only city)."""
    filers = application.process.filers
    if user.is_institution:
        return "institution" in filers and user.institution_id == application.institution_id
    return "city" in filers and _is_involved_city(application, user)


def _is_receiver(application, user) -> bool:
    return user.is_institution and user.institution_id == application.receiving_institution_id


def _is_involved_city(application, user) -> bool:
    # all(): the page prefetches the cities; an action's locked row reads them fresh.
    return user.is_city and any(city.pk == user.city_id for city in application.cities.all())


def _is_province(application, user) -> bool:
    return user.is_province


def _no_decision_this_round(application) -> bool:
    return not any(d.round == application.round for d in application.decisions.all())


def _filers_part(application) -> bool:
    return application.returned_to != Party.RECEIVER


def _receivers_part(application) -> bool:
    return application.returned_to == Party.RECEIVER


def _may_withdraw(application) -> bool:
    """Before any decision of the round, or once returned (the filer gives up instead of correcting)."""
    return application.state == State.RETURNED or _no_decision_this_round(application)


def _receiver_is_closed(application) -> bool:
    receiver = application.receiving_institution
    return receiver is not None and receiver.status == Institution.Status.CANCELLED


def _a_party_is_closed(application) -> bool:
    """The filer or the receiver has been closed (注销) by the province."""
    return application.institution.status == Institution.Status.CANCELLED or _receiver_is_closed(application)


class Application(ConcurrentTransitionMixin, Deadline):
    """申请: one filing by an institution, whatever its process, moving through review.

    ``due_on`` is the due date of the current step (接收, 市级审核, 省级复核; ``reviews.apps``), set by the
    transition that starts it (``workdays.deadlines``).
    """

    type = models.CharField("申请类型", max_length=20, choices=processes.type_choices, editable=False)
    state = FSMField("状态", default=State.DRAFT, choices=State.choices, protected=True)
    institution = models.ForeignKey(
        Institution, models.PROTECT, related_name="applications", verbose_name="申请机构"
    )
    receiving_institution = models.ForeignKey(
        Institution,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="incoming_applications",
        verbose_name="接收机构",
        help_text="须先接收、再进入市级审核的机构（人员变更调离的调入机构）",
    )
    person = models.ForeignKey(
        "personnel.Person",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name="人员",
    )
    subject_name = models.CharField("姓名", max_length=50, blank=True, editable=False)
    cities = models.ManyToManyField(
        "institutions.City", related_name="applications", verbose_name="须审核的市"
    )
    module_jc = models.BooleanField("涉及建材", default=False)
    module_dj = models.BooleanField("涉及地基", default=False)
    round = models.PositiveIntegerField("审核轮次", default=0)
    receiver_accepted = models.BooleanField(
        "调入机构已接收",
        default=False,
        help_text="接收机构已接收（其附件随申请保留）；申请单位更正后重新提交时不再等待接收，除非更换了接收机构",
    )
    returned_to = models.CharField(
        "退回由谁更正",
        max_length=10,
        choices=Party.choices,
        blank=True,
        help_text="最近一次退回须由哪一方更正（有接收机构的申请）；为空即申请单位",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = verbose_name_plural = "申请"
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(state__in=OPEN_STATES),
                name="one_open_application_per_person",
                violation_error_message="该人员已有未办结的申请，请先办结或撤回。",
            ),
        ]
        indexes = [
            # 待审核 queues (by state and process), home and menu counts (by state), 已审核 queues (by
            # process), each in submission order.
            models.Index(fields=["state", "type", "submitted_at", "id"], name="application_queue"),
            models.Index(fields=["state", "submitted_at", "id"], name="application_waiting"),
            models.Index(fields=["type", "submitted_at", "id"], name="application_by_type"),
            # An institution's to-dos (home, menu): its own applications, and those addressed to it, in a
            # state; read from its own rows, whatever the number of applications in that state.
            models.Index(fields=["institution", "state"], name="application_filer_state"),
            models.Index(fields=["receiving_institution", "state"], name="application_receiver_state"),
            # 待审核 queues in deadline order (overdue first, then by due date), and their 已超期 / 即将到期
            # filters and counts.
            models.Index(fields=["state", "type", "due_on", "id"], name="application_due"),
            # 待办事项 on home: every process waiting in a state, overdue first, then by due date (a
            # returned one, with no due date, last), then in submission order.
            models.Index(fields=["state", "due_on", "submitted_at", "id"], name="application_todo"),
        ]

    def __str__(self):
        return f"{self.get_type_display()} #{self.pk}"

    @property
    def process(self) -> processes.Process:
        return processes.get(self.type)

    def parties(self) -> dict:
        """{pk: institution} of the filer and, when there is one, the receiver: the institutions that act
        on the application (read with it where a page uses this)."""
        parties = (self.institution, self.receiving_institution)
        return {party.pk: party for party in parties if party is not None}

    def get_type_display(self) -> str:
        """The process's label, read from its declaration (Django's would rebuild every choice per row)."""
        return processes.label(self.type)

    get_state_display = label_of("state", State.choices)

    def detail(self):
        """The process's own row (TransferRequest, ReissueRequest, …): Django's accessor of the child."""
        return getattr(self, self.process.model._meta.model_name)

    def modules(self) -> list[str]:
        return [k for k, on in (("JC", self.module_jc), ("DJ", self.module_dj)) if on]

    @cached_property
    def city_names(self) -> str:
        """涉及的市, as a queue shows them: "南京市、苏州市" (a list fills it for a whole page with
        ``name_cities``)."""
        return "、".join(c.name for c in self.cities.all())

    def all_cities_approved(self) -> bool:
        approved = self.decisions.filter(
            round=self.round, step=Decision.Step.CITY, outcome=Decision.Outcome.APPROVE
        ).values("city_id")
        return not self.cities.exclude(pk__in=approved).exists()

    # --- The lifecycle. Transitions only set fields; reviews.actions does the work around them. ---

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=[State.DRAFT, State.RETURNED],
        target=RETURN_VALUE(State.PENDING_RECEIPT, State.PENDING_CITY, State.PENDING_PROVINCE),
        conditions=[_filers_part],
        permission=_is_filer,
    )
    def submit(self, by=None, description=None):
        """Review starts again from the first step: a new round, earlier decisions never count. A receiver
        that has accepted (and is still the receiver) is not asked again; a process without city review
        goes to the province."""
        self.round += 1
        self.submitted_at = timezone.now()
        self.returned_to = ""
        if self.receiving_institution_id and not self.receiver_accepted:
            return State.PENDING_RECEIPT
        return State.PENDING_CITY if self.process.city_review else State.PENDING_PROVINCE

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=State.RETURNED,
        target=State.PENDING_CITY,
        conditions=[_receivers_part],
        permission=_is_receiver,
    )
    def correct_receipt(self, by=None, description=None):
        """The receiver resubmits its corrected part (a 退回 that named 调入机构): a new round."""
        self.round += 1
        self.submitted_at = timezone.now()
        self.returned_to = ""

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=WITHDRAWABLE,
        target=State.WITHDRAWN,
        conditions=[_may_withdraw],
        permission=_is_filer,
    )
    def withdraw(self, by=None, description=None):
        self.closed_at = timezone.now()

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=State.PENDING_RECEIPT, target=State.PENDING_CITY, permission=_is_receiver)
    def accept(self, by=None, description=None):
        self.receiver_accepted = True

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
        """Called after the city's ``Decision`` is written: moves on once every city approved."""
        return State.PENDING_PROVINCE if self.all_cities_approved() else State.PENDING_CITY

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=State.PENDING_CITY, target=State.RETURNED, permission=_is_involved_city)
    def return_city(self, by=None, description=None, party=Party.FILER):
        self.returned_to = party

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=State.PENDING_PROVINCE, target=State.APPROVED, permission=_is_province)
    def approve_province(self, by=None, description=None):
        self.closed_at = timezone.now()

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=State.PENDING_PROVINCE, target=State.RETURNED, permission=_is_province)
    def return_province(self, by=None, description=None, party=Party.FILER):
        self.returned_to = party

    # The province's 注销 of an institution ends its open applications in the same transaction
    # (reviews.actions.end_for_closed_institution); nothing takes effect.

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=State.PENDING_RECEIPT,
        target=State.REFUSED,
        conditions=[_receiver_is_closed],
        permission=_is_province,
    )
    def refuse_for_closed_receiver(self, by=None, description=None):
        """A transfer still 待接收 by a closed institution: 已拒收, as if it had refused it."""
        self.closed_at = timezone.now()

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=OPEN_STATES,
        target=State.WITHDRAWN,
        conditions=[_a_party_is_closed],
        permission=_is_province,
    )
    def withdraw_for_closed_institution(self, by=None, description=None):
        """One filed by a closed institution, or addressed to it and already accepted: 已撤回."""
        self.closed_at = timezone.now()

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=State.DRAFT, target=State.APPROVED, permission=_is_province)
    def decree(self, by=None, description=None):
        """The province decides on its own (撤销/注销 of a certificate for misconduct): no filing, no
        municipal review; its ``Decision`` is written by the action that runs this."""
        self.round += 1
        self.submitted_at = self.closed_at = timezone.now()


class Decision(models.Model):
    """A reviewer's 同意 or 退回 with the signed opinion (签署审核意见), one per office per round.

    Written by ``actions.decide`` in the transaction that runs the transition; never changed after.
    """

    class Step(models.TextChoices):
        CITY = "city", "市级审核"
        PROVINCE = "province", "省级复核"

    class Outcome(models.TextChoices):
        APPROVE = "approve", "同意"
        RETURN = "return", "退回"

    application = models.ForeignKey(Application, models.CASCADE, related_name="decisions")
    round = models.PositiveIntegerField("审核轮次")
    step = models.CharField("审核环节", max_length=10, choices=Step.choices)
    city = models.ForeignKey(
        "institutions.City", models.PROTECT, null=True, blank=True, related_name="+", verbose_name="市"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="decisions", verbose_name="审核人"
    )
    outcome = models.CharField("审核结论", max_length=10, choices=Outcome.choices)
    opinion = models.TextField("审核意见")
    returned_to = models.CharField(
        "退回由谁更正", max_length=10, choices=Party.choices, blank=True, help_text="退回时须更正的一方"
    )
    decided_at = models.DateTimeField("审核时间", default=timezone.now)
    client_address = models.CharField("来源地址", max_length=64, blank=True)

    class Meta:
        ordering = ["decided_at", "pk"]
        verbose_name = verbose_name_plural = "审核意见"
        constraints = [
            models.UniqueConstraint(
                fields=["application", "round", "city"],
                condition=Q(step="city"),
                name="one_decision_per_city_round",
            ),
            models.UniqueConstraint(
                fields=["application", "round"],
                condition=Q(step="province"),
                name="one_decision_per_province_round",
            ),
            models.CheckConstraint(
                condition=(Q(step="city", city__isnull=False) | Q(step="province", city__isnull=True)),
                name="decision_city_matches_step",
            ),
            models.CheckConstraint(condition=~Q(opinion=""), name="decision_has_opinion"),
        ]

    def __str__(self):
        return f"{self.step_label}：{self.get_outcome_display()}（第{self.round}轮）"

    @property
    def step_label(self) -> str:
        """市级审核（南京市） or 省级复核; a process may word the city step (人员注销: 市级初审)."""
        if self.step == self.Step.PROVINCE:
            return self.get_step_display()
        return f"{self.application.process.city_step}（{self.city.name}）"


def attachment_key(instance, filename) -> str:
    """A server-generated storage key: the user's file name is kept only as metadata."""
    ext = PurePosixPath(filename).suffix.lower()
    return f"attachments/{timezone.localtime():%Y/%m}/{uuid.uuid4().hex}{ext}"


class AttachmentQuerySet(models.QuerySet):
    def visible_to(self, user):
        applications = Application.objects.visible_to(user)
        qualifications = Qualification.objects.filter(institution__in=Institution.objects.visible_to(user))
        return self.filter(Q(application__in=applications) | Q(qualification__in=qualifications))

    def current(self):
        """Scans not replaced by a later round's upload of the same type."""
        return self.filter(superseded_in_round__isnull=True)


class Attachment(models.Model):
    application = models.ForeignKey(
        Application, models.CASCADE, null=True, blank=True, related_name="attachments", verbose_name="申请"
    )
    qualification = models.ForeignKey(
        Qualification,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="scans",
        verbose_name="资质",
    )
    type = models.CharField("附件类型", max_length=30, choices=processes.scan_choices)
    page = models.PositiveIntegerField("页码", null=True, blank=True)
    file = models.FileField("文件", upload_to=attachment_key, max_length=200)
    original_name = models.CharField("原文件名", max_length=255)
    content_type = models.CharField("文件类型", max_length=50)
    size = models.PositiveIntegerField("大小")
    sha256 = models.CharField(max_length=64)
    greyscale = models.BooleanField("灰度图像", default=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField("上传时间", default=timezone.now)
    superseded_in_round = models.PositiveIntegerField(
        "替换轮次",
        null=True,
        blank=True,
        help_text="被同类新附件替换时申请的审核轮次（重新提交或接收时）；为空即当前附件。被替换的附件及其文件保留。",
    )

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        ordering = ["type", models.F("page").asc(nulls_last=True), "original_name", "pk"]
        verbose_name = verbose_name_plural = "附件"
        constraints = [
            models.CheckConstraint(
                condition=Q(application__isnull=False) | Q(qualification__isnull=False),
                name="attachment_has_owner",
            )
        ]

    def __str__(self):
        return f"{self.get_type_display()} {self.original_name}"

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


def staged_key(instance, filename) -> str:
    """Staged files live apart from attachments, so the sweep can tell an expired one from an orphan."""
    ext = PurePosixPath(filename).suffix.lower()
    return f"staged/{timezone.localtime():%Y/%m}/{uuid.uuid4().hex}{ext}"


def new_token() -> str:
    return secrets.token_urlsafe(24)


class StagedUploadQuerySet(models.QuerySet):
    def live(self):
        """Not yet expired (``STAGED_UPLOAD_HOURS`` after upload)."""
        return self.filter(created_at__gte=timezone.now() - timedelta(hours=settings.STAGED_UPLOAD_HOURS))

    def claimable_by(self, user):
        """What ``user`` may put on a form: their own live staged files, never another user's."""
        return self.live().filter(owner=user)

    def expired(self):
        return self.exclude(pk__in=self.live().values("pk"))


class StagedUpload(models.Model):
    """A scan uploaded as it was chosen, before its form is submitted (reviews.staging).

    The form carries ``token``; only ``owner`` can claim it, and only until it expires. Filing turns it
    into an ``Attachment`` (the row goes in the filing's transaction, the file after its commit);
    ``manage.py sweep_attachments`` removes expired ones.
    """

    token = models.CharField(max_length=64, unique=True, default=new_token)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    type = models.CharField("附件类型", max_length=30)
    file = models.FileField("文件", upload_to=staged_key, max_length=200)
    original_name = models.CharField("原文件名", max_length=255)
    content_type = models.CharField("文件类型", max_length=50)
    size = models.PositiveIntegerField("大小")
    page = models.PositiveIntegerField("页码", null=True, blank=True)
    greyscale = models.BooleanField("灰度图像", default=False)
    created_at = models.DateTimeField("上传时间", default=timezone.now, db_index=True)

    objects = StagedUploadQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "暂存附件"

    def __str__(self):
        return self.original_name
