"""Testing personnel (检测人员). Their certificates (``certificates`` app) refer to them, not back."""

import re
from collections import defaultdict
from functools import cached_property

from django.db import models
from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef

from institutions.models import Institution, Kind
from web import freshness
from web.search import startswith

from .validators import mask_id_number, validate_id_number

ID_NUMBER = re.compile(r"\d{17}[\dX]")


class PersonQuerySet(models.QuerySet):
    def visible_to(self, user):
        # Person.visible_with() states the same rule for one person: change both.
        if user.is_province:
            return self.all()
        if user.is_city:
            return self.filter(institution__in=Institution.objects.filter(city_id=user.city_id).values("pk"))
        if user.is_institution:
            return self.filter(institution_id=user.institution_id)
        return self.none()

    def _certificates(self):
        """Certificates of the outer person. They refer to people (the ``certificates`` app sits above
        this one), so they are reached through the relation, not by importing their model."""
        return self._certificate_model().objects.filter(holder=OuterRef("pk"))

    def _certificate_model(self):
        return self.model._meta.get_field("certificates").related_model

    def in_module(self, kind):
        """The people a module's lists show: holders of its kind, and staff with no certificate yet.

        Read from the person's own column (``module_jc`` / ``module_dj``). Computed per row from the
        certificates, the planner hashed every certificate of the province first at 100,000 people
        (50 ms for a page, and as much for its count)."""
        return self.filter(module_jc=True) if kind == Kind.JC else self.filter(module_dj=True)

    def refresh_modules(self) -> int:
        """Sets ``module_jc`` and ``module_dj`` of these people from the certificates they hold. The
        certificates app calls it for the holders of every certificate it creates (a certificate's
        holder and kind never change, and certificates are never deleted)."""
        certificates = self._certificates()
        jc, dj = Exists(certificates.filter(kind=Kind.JC)), Exists(certificates.filter(kind=Kind.DJ))
        return self.update(
            module_jc=ExpressionWrapper(jc | ~dj, output_field=BooleanField()),
            module_dj=ExpressionWrapper(dj | ~jc, output_field=BooleanField()),
        )

    def bulk_create(self, objs, *args, **kwargs):
        """Also marks the lists' cached counts stale, as ``Person.save`` does."""
        objs = super().bulk_create(objs, *args, **kwargs)
        freshness.changed()
        return objs

    def search(self, text):
        """By the full ID number, by (the start of) a certificate number, or by (the start of) a name.

        Each is answered from an index: the ID number exactly (so a partial number finds no one), a
        certificate number or a name by prefix (a surname finds everyone of that name).
        """
        text = (text or "").strip()
        if not text:
            return self
        if ID_NUMBER.fullmatch(text.upper()):
            return self.filter(id_number=text.upper())
        if any(ch.isdigit() for ch in text):
            numbers = startswith("number", text.upper(), self.db)
            holders = self._certificate_model().objects.filter(numbers).values("holder")
            return self.filter(pk__in=holders)
        return self.filter(startswith("name", text, self.db))

    def for_list(self):
        return self.select_related("institution").prefetch_related("certificates").order_by("name", "pk")

    def with_institution_name(self):
        """What a list's row shows of the institution, as a column (``institution_name``)."""
        return self.annotate(institution_name=F("institution__name"))


class Person(models.Model):
    class Gender(models.TextChoices):
        MALE = "男", "男"
        FEMALE = "女", "女"

    name = models.CharField("姓名", max_length=50)
    id_number = models.CharField("身份证号", max_length=18, unique=True, validators=[validate_id_number])
    gender = models.CharField("性别", max_length=1, choices=Gender.choices)
    birth_date = models.DateField("出生日期")
    education = models.CharField("学历", max_length=30, blank=True)
    title = models.CharField("职称", max_length=30, blank=True)
    phone = models.CharField("联系电话", max_length=30, blank=True)
    # Which modules' lists show the person: a holder of the kind, and anyone with no certificate yet
    # (both). Kept by ``PersonQuerySet.refresh_modules`` whenever a certificate is created.
    module_jc = models.BooleanField("建材人员", default=True, editable=False)
    module_dj = models.BooleanField("地基人员", default=True, editable=False)
    institution = models.ForeignKey(
        Institution,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="people",
        verbose_name="所在机构",
    )

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = verbose_name_plural = "检测人员"
        indexes = [
            # Lists sort by name (keyset pages); an institution's list starts from its own people.
            models.Index(fields=["name", "id"], name="person_name"),
            models.Index(fields=["name"], opclasses=["varchar_pattern_ops"], name="person_name_prefix"),
            models.Index(fields=["institution", "name", "id"], name="person_inst_name"),
            # A name search within one institution: its own people starting with the text, whatever
            # the number of people of that name in the province.
            models.Index(
                fields=["institution", "name"],
                opclasses=["", "varchar_pattern_ops"],
                name="person_inst_name_prefix",
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        freshness.changed()  # 人员基本信息's cached counts are stale once this commits

    def visible_with(self, employer, user) -> bool:
        """``PersonQuerySet.visible_to`` for this person without a query, given their employer already
        read (``employer.pk == institution_id``; None when they have none)."""
        if user.is_province:
            return True
        if employer is None:
            return False
        if user.is_city:
            return employer.city_id == user.city_id
        if user.is_institution:
            return employer.pk == user.institution_id
        return False

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @cached_property
    def certificate_cells(self) -> list:
        """[建材 certificate or None, 地基 certificate or None] for table rows (a list fills it for a whole
        page with ``fill_certificate_cells``)."""
        return [self.certificate_of(Kind.JC), self.certificate_of(Kind.DJ)]

    def certificate_of(self, kind):
        """This person's certificate of a kind, from the prefetch cache when present."""
        return next((c for c in self.certificates.all() if c.kind == kind), None)


class EmploymentSource(models.TextChoices):
    """Where a period of 从业履历 comes from."""

    FILING = "filing", "人员备案"
    TRANSFER = "transfer", "人员变更调离"
    LEGACY = "legacy", "历史数据导入"


class EmploymentQuerySet(models.QuerySet):
    def current(self):
        return self.filter(end__isnull=True)

    def in_order(self):
        """Oldest first; a period whose start is unknown (before any record) comes first."""
        return self.order_by(models.F("start").asc(nulls_first=True), "pk")


class Employment(models.Model):
    """从业履历: one period of a person at an institution. ``end`` empty: the person works there now.

    Written only by the effects that move people (``personnel.employment.move``), in their transaction,
    so that the open period is always at ``Person.institution``. ``start`` is empty where no record says
    when the period began (people loaded before any filing, a legacy file without 入职日期)."""

    person = models.ForeignKey(Person, models.CASCADE, related_name="employments", verbose_name="人员")
    institution = models.ForeignKey(
        Institution, models.PROTECT, related_name="employments", verbose_name="检测机构"
    )
    start = models.DateField("起始日期", null=True, blank=True)
    end = models.DateField("终止日期", null=True, blank=True)
    source = models.CharField("来源", max_length=10, choices=EmploymentSource.choices)
    application = models.ForeignKey(
        "reviews.Application",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="依据申请",
        help_text="开始这一段履历的已通过申请（人员备案或人员变更调离）",
    )

    objects = EmploymentQuerySet.as_manager()

    class Meta:
        ordering = [models.F("start").asc(nulls_first=True), "pk"]
        verbose_name = verbose_name_plural = "从业履历"
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=models.Q(end__isnull=True), name="one_current_employment"
            ),
            models.CheckConstraint(
                condition=models.Q(start__isnull=True)
                | models.Q(end__isnull=True)
                | models.Q(end__gte=models.F("start")),
                name="employment_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["person", "start"], name="employment_person")]

    def __str__(self):
        return f"{self.person} @ {self.institution}"


def fill_certificate_cells(people) -> None:
    """Fills ``certificate_cells`` of a page of people from one query of their certificates (a prefetch
    builds a related manager per person). Certificates refer to people, so their model is reached through
    the relation."""
    model = Person._meta.get_field("certificates").related_model
    held = defaultdict(dict)
    for certificate in model.objects.filter(holder_id__in=[p.pk for p in people]):
        held[certificate.holder_id][certificate.kind] = certificate
    for person in people:
        person.__dict__["certificate_cells"] = [held[person.pk].get(Kind.JC), held[person.pk].get(Kind.DJ)]
