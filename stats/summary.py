"""The summary table: written whole by ``refresh`` (the job worker, from ``manage.py refresh_stats`` or
the dashboard asking for it), read by the dashboard in one query per page."""

import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .charts import CHARTS
from .models import Figure, Refresh


@dataclass
class Outcome:
    figures: int
    seconds: dict  # chart → seconds its queries took


def refresh() -> Outcome:
    """Recompute every chart and replace the figures at once (readers see the old ones until the commit).
    The Refresh row's lock makes a second refresh wait for the first."""
    with transaction.atomic():
        stamp = Refresh.objects.select_for_update().filter(pk=1).first()
        if stamp is None:
            stamp = Refresh.objects.create(pk=1)
        began = time.perf_counter()
        seconds, figures = {}, []
        for chart in CHARTS.values():
            started = time.perf_counter()
            figures += [
                Figure(chart=chart.slug, city_id=c.city, row=c.row, column=c.column, value=c.value)
                for c in chart.compute()
            ]
            seconds[chart.slug] = time.perf_counter() - started
        Figure.objects.all().delete()
        Figure.objects.bulk_create(figures, batch_size=1000)
        stamp.finished_at = timezone.now()
        stamp.seconds = time.perf_counter() - began
        stamp.save()
    return Outcome(len(figures), seconds)


def last_refresh() -> Refresh | None:
    return Refresh.objects.filter(pk=1, finished_at__isnull=False).first()


def is_stale(stamp: Refresh | None) -> bool:
    age = timedelta(minutes=settings.STATS_REFRESH_MINUTES)
    return stamp is None or stamp.finished_at < timezone.now() - age
