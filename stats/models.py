"""The summary the dashboard reads: every chart's figures for the province and for each city, written
whole by one refresh (``stats.summary.refresh``, run by the job worker), never by a page."""

from django.db import models


class Figure(models.Model):
    """One cell of one chart's table in one scope: the province (``city`` empty) or a city.

    ``row`` is the row's key where rows are not cities (a month: ``2026-03``), else empty; ``column`` the
    column's key (a process type, a step, a certificate kind and status).
    """

    chart = models.CharField("图表", max_length=30)
    city = models.ForeignKey(
        "institutions.City", models.CASCADE, null=True, blank=True, related_name="+", verbose_name="市"
    )
    row = models.CharField("行", max_length=30, blank=True)
    column = models.CharField("列", max_length=40)
    value = models.FloatField("数值")

    class Meta:
        verbose_name = verbose_name_plural = "统计数据"
        indexes = [models.Index(fields=["city", "chart"], name="figure_scope")]

    def __str__(self):
        return f"{self.chart} {self.city_id or '全省'} {self.row} {self.column} = {self.value}"


class Refresh(models.Model):
    """When the figures were last computed (one row, pk 1): "数据更新于 …" on the dashboard. Its row
    lock also keeps two refreshes from writing at once."""

    finished_at = models.DateTimeField("更新时间", null=True, blank=True)
    seconds = models.FloatField("用时（秒）", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "统计更新"

    def __str__(self):
        return f"统计数据更新于 {self.finished_at}"


class StepTime(models.Model):
    """How long the step a ``Decision`` closed had lasted: from the application's entering 待市级审核
    (a city's decision) or 待省级复核 (the province's) to the decision. Decisions never change, so each is
    timed once, by the first refresh after it; ``days`` is empty when the application's history does not
    show the step's start (data loaded from elsewhere)."""

    decision = models.OneToOneField(
        "reviews.Decision", models.CASCADE, primary_key=True, related_name="+", verbose_name="审核意见"
    )
    application = models.ForeignKey(
        "reviews.Application", models.CASCADE, related_name="+", verbose_name="申请"
    )
    step = models.CharField("审核环节", max_length=10)
    city = models.ForeignKey(
        "institutions.City", models.CASCADE, null=True, blank=True, related_name="+", verbose_name="市"
    )
    decided_at = models.DateTimeField("审核时间")
    days = models.FloatField("用时（天）", null=True)

    class Meta:
        verbose_name = verbose_name_plural = "审核用时"
        indexes = [models.Index(fields=["decided_at"], name="steptime_decided")]

    def __str__(self):
        return f"{self.decision_id}: {self.days} 天"
