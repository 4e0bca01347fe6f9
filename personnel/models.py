"""Testing personnel (检测人员). Their certificates (``certificates`` app) refer to them, not back."""

from django.db import models
from django.db.models import Q

from institutions.models import Institution, Kind

from .validators import mask_id_number, validate_id_number


class PersonQuerySet(models.QuerySet):
    def visible_to(self, user):
        if user.is_province:
            return self.all()
        if user.is_city:
            return self.filter(institution__city_id=user.city_id)
        if user.is_institution:
            return self.filter(institution_id=user.institution_id)
        return self.none()

    def in_module(self, kind):
        """The people a module's lists show: holders of its kind, and staff with no certificate yet.

        Certificates are reached through their reverse relation (``certificates``), so this app needs
        no import of the app above it. A person holds at most one certificate per kind, so the join
        yields at most one row per person.
        """
        return self.filter(Q(certificates__kind=kind) | Q(certificates__isnull=True))

    def search(self, text):
        """By name, by the full ID number, or by (part of) a certificate number."""
        text = (text or "").strip()
        if not text:
            return self
        by_number = self.model.objects.filter(certificates__number__icontains=text).values("pk")
        return self.filter(Q(name__icontains=text) | Q(id_number__iexact=text.upper()) | Q(pk__in=by_number))

    def for_list(self):
        return self.select_related("institution").prefetch_related("certificates").order_by("name", "pk")


class Person(models.Model):
    class Gender(models.TextChoices):
        MALE = "男", "男"
        FEMALE = "女", "女"

    name = models.CharField("姓名", max_length=50, db_index=True)
    id_number = models.CharField("身份证号", max_length=18, unique=True, validators=[validate_id_number])
    gender = models.CharField("性别", max_length=1, choices=Gender.choices)
    birth_date = models.DateField("出生日期")
    education = models.CharField("学历", max_length=30, blank=True)
    title = models.CharField("职称", max_length=30, blank=True)
    phone = models.CharField("联系电话", max_length=30, blank=True)
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
        indexes = [models.Index(fields=["institution", "name"], name="person_inst_name")]

    def __str__(self):
        return self.name

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def certificate_cells(self) -> list:
        """[建材 certificate or None, 地基 certificate or None] for table rows."""
        return [self.certificate_of(Kind.JC), self.certificate_of(Kind.DJ)]

    def certificate_of(self, kind):
        """This person's certificate of a kind, from the prefetch cache when present."""
        return next((c for c in self.certificates.all() if c.kind == kind), None)
