"""The refresh as a job for the worker (``manage.py db_worker``), and asking for one."""

import logging

from django.conf import settings
from django.core.cache import cache
from django_tasks import task

from . import summary

log = logging.getLogger(__name__)

REQUESTED = "stats:refresh-requested"


@task()
def refresh_statistics() -> str:
    outcome = summary.refresh()
    timings = ", ".join(f"{chart} {seconds:.2f} s" for chart, seconds in outcome.seconds.items())
    log.info("statistics refreshed: %s figures (%s)", outcome.figures, timings)
    return f"{outcome.figures} figures"


def request_refresh() -> bool:
    """Queue one refresh, unless one was asked for within ``STATS_REFRESH_MINUTES`` (the cache remembers
    it, so a busy dashboard queues one, not one per view). True when queued."""
    if not cache.add(REQUESTED, 1, timeout=settings.STATS_REFRESH_MINUTES * 60):
        return False
    refresh_statistics.enqueue()
    return True
