"""信用记录, 申诉 and 信用评价: the catalogue and rule the province keeps, the records, the scores.

A 信用记录 (``CreditRecord``) and a 申诉 (``Appeal``) are applications (children of
``reviews.models.Application``) that run on the one review machine; their declarations, rules and effects
are in ``recording.py`` and ``appeals.py``. Whether a record is in force is a matter of dates
(``CreditRecordQuerySet.in_force``): no daily job is needed for the public pages to be right, only for
the stored scores (``manage.py recompute_credit``).
"""

from datetime import date, timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from institutions.models import City, Institution, Qualification
from personnel.models import Person
from reviews.models import Application, State


class Nature(models.TextChoices):
    GOOD = "good", "良好"
    BAD = "bad", "不良"


class Grade(models.TextChoices):
    AA = "AA", "AA"
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"


class CategoryQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)


class Category(models.Model):
    """One kind of conduct in the province's catalogue (出具虚假检测报告, 表彰奖励 …)."""

    name = models.CharField("行为类别", max_length=60, unique=True)
    nature = models.CharField("性质", max_length=4, choices=Nature.choices)
    default_points = models.PositiveSmallIntegerField(
        "默认分值", validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    default_years = models.PositiveSmallIntegerField(
        "默认公示期限（年）", validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    active = models.BooleanField(
        "启用", default=True, help_text="停用后不能再用于新的信用记录，已有记录不受影响"
    )
    position = models.PositiveSmallIntegerField("排序", default=0)

    objects = CategoryQuerySet.as_manager()

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = verbose_name_plural = "信用行为类别"

    def __str__(self):
        return f"{self.name}（{self.get_nature_display()}）"


class Rule(models.Model):
    """The province's scoring rule (one row, pk 1): base, bounds and the lowest score of each grade."""

    base = models.PositiveSmallIntegerField("基础分", default=100, validators=[MaxValueValidator(1000)])
    floor = models.PositiveSmallIntegerField("最低分", default=0, validators=[MaxValueValidator(1000)])
    ceiling = models.PositiveSmallIntegerField("最高分", default=110, validators=[MaxValueValidator(1000)])
    grade_aa = models.PositiveSmallIntegerField(
        "AA级最低分", default=100, validators=[MaxValueValidator(1000)]
    )
    grade_a = models.PositiveSmallIntegerField("A级最低分", default=85, validators=[MaxValueValidator(1000)])
    grade_b = models.PositiveSmallIntegerField("B级最低分", default=70, validators=[MaxValueValidator(1000)])
    updated_at = models.DateTimeField("修改时间", default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="修改人",
    )

    class Meta:
        verbose_name = verbose_name_plural = "信用评价规则"
        constraints = [
            models.CheckConstraint(
                condition=Q(floor__lte=models.F("ceiling")), name="rule_floor_below_ceiling"
            ),
            models.CheckConstraint(
                condition=Q(grade_aa__gt=models.F("grade_a"), grade_a__gt=models.F("grade_b")),
                name="rule_grades_descend",
            ),
        ]

    def __str__(self):
        return "信用评价规则"

    @classmethod
    def current(cls) -> "Rule":
        return cls.objects.get_or_create(pk=1)[0]

    def grade_for(self, score: int) -> str:
        if score >= self.grade_aa:
            return Grade.AA
        if score >= self.grade_a:
            return Grade.A
        if score >= self.grade_b:
            return Grade.B
        return Grade.C

    def bounded(self, score: int) -> int:
        return max(self.floor, min(self.ceiling, score))


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later (29 February → 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


class RecordStatus(models.TextChoices):
    """What a record is, read from its application's state and its dates (``CreditRecord.status``)."""

    PENDING = "pending", "待省级复核"
    RETURNED = "returned", "已退回"
    WITHDRAWN = "withdrawn", "已撤回"
    IN_FORCE = "in_force", "公示中"
    EXPIRED = "expired", "已过期"
    REVOKED = "revoked", "已撤销"


class CreditRecordQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The province: all. A city: records about its institutions (and their people). An institution:
        records in effect (or once in effect) about itself and about its people."""
        if user.is_province:
            return self.all()
        if user.is_city:
            return self.filter(institution__city_id=user.city_id)
        if user.is_institution:
            mine = user.institution_id
            return self.filter(
                Q(institution_id=mine) | Q(person_about__institution_id=mine), state=State.APPROVED
            )
        return self.none()

    def in_force(self, on: date | None = None):
        """In effect on ``on`` (today): confirmed, not revoked by an upheld 申诉, within its period."""
        on = on or timezone.localdate()
        return self.filter(
            state=State.APPROVED, revoked_at__isnull=True, effective_on__lte=on, in_force_until__gte=on
        )

    def bad(self):
        return self.filter(nature=Nature.BAD)

    def about_institution(self, institution):
        """The institution's own records (not those about its people)."""
        return self.filter(institution=institution, person_about__isnull=True)

    def about_person(self, person):
        return self.filter(person_about=person)

    def in_force_for_person(self, person, user):
        """A person's records in force that ``user`` may see (for the person's 信用档案)."""
        return self.visible_to(user).about_person(person).in_force().for_list()

    def in_force_for_institution(self, institution):
        """An institution's own records in force (its 信用档案 and the public list)."""
        return self.about_institution(institution).in_force().for_list()

    def for_public_display(self):
        """What anyone may read: 不良 records in force."""
        return self.in_force().bad()

    def to_answer(self, user):
        """An institution's to-do: 不良 records in force about it or its people that it has not objected to."""
        if not user.is_institution:
            return self.none()
        return self.visible_to(user).for_public_display().exclude(appeals__isnull=False)

    def search(self, text):
        text = (text or "").strip()
        return self.filter(subject_name__startswith=text) if text else self

    def for_list(self):
        return self.select_related("category", "institution__city", "person_about").order_by(
            "-created_at", "-pk"
        )


class CreditRecord(Application):
    """信用记录: one 良好 or 不良 conduct of an institution (``institution``) or of one of its people
    (``person_about``; ``institution`` is then where they worked when it was recorded)."""

    category = models.ForeignKey(Category, models.PROTECT, related_name="records", verbose_name="行为类别")
    nature = models.CharField("性质", max_length=4, choices=Nature.choices)
    points = models.PositiveSmallIntegerField(
        "分值", validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    conduct_date = models.DateField("行为日期")
    description = models.TextField("行为描述", max_length=2000)
    years = models.PositiveSmallIntegerField(
        "公示期限（年）", validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    person_about = models.ForeignKey(
        Person, models.PROTECT, null=True, blank=True, related_name="credit_records", verbose_name="涉及人员"
    )
    recorded_by = models.ForeignKey(
        City, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="记录单位（市）",
        help_text="为空即省质监总站记录",
    )  # fmt: skip
    effective_on = models.DateField("生效日期", null=True, blank=True)
    in_force_until = models.DateField("公示截止日期", null=True, blank=True)
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    revoked_note = models.CharField("撤销原因", max_length=200, blank=True)

    objects = CreditRecordQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "信用记录"
        indexes = [
            models.Index(fields=["in_force_until", "effective_on"], name="credit_record_in_force"),
        ]

    @property
    def subject_label(self) -> str:
        return "人员" if self.person_about_id else "机构"

    @property
    def status(self) -> str:
        if self.state == State.APPROVED:
            if self.revoked_at:
                return RecordStatus.REVOKED
            if self.in_force_until and self.in_force_until < timezone.localdate():
                return RecordStatus.EXPIRED
            return RecordStatus.IN_FORCE
        if self.state in (State.RETURNED, State.WITHDRAWN):
            return self.state
        return RecordStatus.PENDING

    @property
    def status_label(self) -> str:
        return RecordStatus(self.status).label

    @property
    def signed_points(self) -> int:
        return self.points if self.nature == Nature.GOOD else -self.points

    def take_effect(self, on: date) -> None:
        self.effective_on = on
        self.in_force_until = add_years(on, self.years) - timedelta(days=1)


class AppealQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(pk__in=Application.objects.visible_to(user).values("pk"))


class Appeal(Application):
    """申诉: the institution concerned objects to a record in force; the province decides (同意 = 申诉成立,
    the record is revoked; 退回 = 不予支持, the institution may add material or withdraw)."""

    record = models.ForeignKey(CreditRecord, models.PROTECT, related_name="appeals", verbose_name="信用记录")
    reason = models.TextField("申诉理由", max_length=2000)

    objects = AppealQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "申诉"


class CreditScoreQuerySet(models.QuerySet):
    def for_year(self, year: int | None = None):
        return self.filter(year=year or timezone.localdate().year)

    def institutions(self):
        return self.filter(institution__isnull=False)

    def visible_to(self, user):
        if user.is_province:
            return self.all()
        if user.is_city:
            return self.filter(
                Q(institution__city_id=user.city_id) | Q(person__institution__city_id=user.city_id)
            )
        if user.is_institution:
            mine = user.institution_id
            return self.filter(Q(institution_id=mine) | Q(person__institution_id=mine))
        return self.none()

    def grades_of_institutions(self, year: int | None = None):
        """Each institution's grade for ``year`` (this year): one row per institution."""
        return self.for_year(year).institutions().select_related("institution__city")

    def institutions_by_grade(self, year: int | None = None) -> dict[str, int]:
        """{grade: number of institutions} for ``year``, in one aggregate over the (year, grade) index."""
        rows = self.for_year(year).institutions().values("grade").annotate(n=Count("pk")).order_by()
        return {row["grade"]: row["n"] for row in rows}

    def of_kind(self, kind):
        held = Qualification.objects.filter(institution=OuterRef("institution"), kind=kind)
        return self.filter(Exists(held))

    def ranking(self):
        return self.select_related("institution__city").order_by("-score", "pk")


class CreditScore(models.Model):
    """The year's score and grade of an institution or a person, with the lines that explain it.

    ``lines`` is what the rule counted, in order: [{"record": pk, "category", "nature", "points",
    "until"}]; the score is the rule's base plus their points, bounded. Recomputed when a record takes
    effect or is revoked, and daily (``manage.py recompute_credit``) so that expiry counts.
    """

    year = models.PositiveSmallIntegerField("年度")
    institution = models.ForeignKey(
        Institution,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="credit_scores",
        verbose_name="检测机构",
    )
    person = models.ForeignKey(
        Person, models.CASCADE, null=True, blank=True, related_name="credit_scores", verbose_name="检测人员"
    )
    score = models.SmallIntegerField("信用分")
    grade = models.CharField("信用等级", max_length=2, choices=Grade.choices)
    base = models.PositiveSmallIntegerField("基础分")
    lines = models.JSONField("计分明细", default=list)
    computed_at = models.DateTimeField("计算时间", default=timezone.now)

    objects = CreditScoreQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "信用评价"
        constraints = [
            models.UniqueConstraint(
                fields=["year", "institution"],
                condition=Q(institution__isnull=False),
                name="one_score_per_institution_year",
            ),
            models.UniqueConstraint(
                fields=["year", "person"], condition=Q(person__isnull=False), name="one_score_per_person_year"
            ),
            models.CheckConstraint(
                condition=Q(institution__isnull=False, person__isnull=True)
                | Q(institution__isnull=True, person__isnull=False),
                name="score_has_one_subject",
            ),
        ]
        indexes = [
            models.Index(fields=["year", "grade"], name="credit_score_grade"),
            models.Index(fields=["year", "score", "id"], name="credit_score_ranking"),
        ]

    def __str__(self):
        return f"{self.year}年 {self.score}分 {self.grade}"
