"""The two 备案 processes: 人员备案 (a person's record) and 机构备案 (an institution's record).

Each is an ``Application`` child holding what was filed and a snapshot of the record as it was
(``before``), so the review page shows before → after. Nothing changes on the record until approval.
"""

from django.db import models

from institutions.models import Capability, Kind
from personnel.models import Person
from personnel.validators import validate_id_number
from reviews.models import Application


class PersonnelFiling(Application):
    """人员备案: a new person, or changed details of one.

    ``person`` is the person being changed (none for a new one until approval creates it).
    """

    FIELDS = ["name", "id_number", "gender", "birth_date", "education", "title", "phone"]

    name = models.CharField("姓名", max_length=50)
    id_number = models.CharField("身份证号", max_length=18, validators=[validate_id_number])
    gender = models.CharField("性别", max_length=1, choices=Person.Gender.choices)
    birth_date = models.DateField("出生日期")
    education = models.CharField("学历", max_length=30, blank=True)
    title = models.CharField("职称", max_length=30, blank=True)
    phone = models.CharField("联系电话", max_length=30, blank=True)
    before = models.JSONField("备案前信息", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "人员备案"


class InstitutionFiling(Application):
    """机构备案: basic information, one kind's qualification and 检测能力 changes (增项 / 扩项).

    Filed from one module (``kind``); approval applies all of it at once.
    """

    INFO_FIELDS = ["name", "address", "legal_representative", "contact_person", "contact_phone"]
    QUALIFICATION_FIELDS = ["qualification_number", "valid_from", "valid_until", "scope"]

    kind = models.CharField("类别", max_length=2, choices=Kind.choices)
    name = models.CharField("机构名称", max_length=100)
    address = models.CharField("地址", max_length=200, blank=True)
    legal_representative = models.CharField("法定代表人", max_length=50, blank=True)
    contact_person = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = models.CharField("联系电话", max_length=30, blank=True)
    qualification_number = models.CharField("资质证书编号", max_length=50, blank=True)
    valid_from = models.DateField("有效期起", null=True, blank=True)
    valid_until = models.DateField("有效期至", null=True, blank=True)
    scope = models.TextField("资质范围", blank=True)
    before = models.JSONField("备案前信息", default=dict, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "机构备案"


class CapabilityChange(models.Model):
    """One 检测能力 change in a filing: 增项 adds an entry, 扩项 replaces an existing entry's parameters,
    减项 removes an entry."""

    class Action(models.TextChoices):
        ADD = "add", "增项"
        EXTEND = "extend", "扩项"
        REMOVE = "remove", "减项"

    filing = models.ForeignKey(InstitutionFiling, models.CASCADE, related_name="capability_changes")
    action = models.CharField("变更类型", max_length=10, choices=Action.choices)
    capability = models.ForeignKey(Capability, models.SET_NULL, null=True, blank=True, related_name="+")
    category = models.CharField("检测类别", max_length=100)
    item = models.CharField("检测项目", max_length=100)
    parameters = models.TextField("检测参数", blank=True)
    parameters_before = models.TextField("原检测参数", blank=True)

    class Meta:
        ordering = ["action", "category", "item"]
        verbose_name = verbose_name_plural = "检测能力变更"

    def __str__(self):
        return f"{self.get_action_display()} {self.category}/{self.item}"
