"""The province's settings of 办理时限: the time limit of each step, and its own holiday table per year.

Both are small tables read once per process (``workdays.calendar`` caches them per year) and changed only
by the province under 系统管理 → 办理时限, audited.
"""

from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone


class StepLimit(models.Model):
    """The time limit of one step (接收, 市级审核, 省级复核, 证书收回) in working days; a step without a row
    has its declared default (``workdays.deadlines``)."""

    step = models.CharField("环节", max_length=20, unique=True)
    days = models.PositiveSmallIntegerField("时限（工作日）")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="修改人"
    )
    updated_at = models.DateTimeField("修改时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "办理时限"

    def __str__(self):
        return f"{self.step}：{self.days} 个工作日"


class HolidayTable(models.Model):
    """The State Council's published holidays and make-up working days (调休) of one year, entered by the
    province. For that year it replaces the package: weekends and ``holidays`` are days off, except the
    ``workdays``."""

    year = models.PositiveSmallIntegerField("年份", unique=True)
    holidays = models.JSONField("放假日期", default=list, help_text="ISO 日期，如 2027-02-06")
    workdays = models.JSONField("调休上班日期", default=list, help_text="ISO 日期，如 2027-02-20")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="修改人"
    )
    updated_at = models.DateTimeField("修改时间", default=timezone.now)

    class Meta:
        ordering = ["year"]
        verbose_name = verbose_name_plural = "节假日安排"

    def __str__(self):
        return f"{self.year} 年节假日安排"

    def holiday_dates(self) -> list[date]:
        return [date.fromisoformat(d) for d in self.holidays]

    def workday_dates(self) -> list[date]:
        return [date.fromisoformat(d) for d in self.workdays]
