"""Starting a job (in the web request) and running it (in the worker, ``manage.py db_worker``).

A job kind is a function registered with ``@runner("kind")`` from the app that owns the data, imported
by its AppConfig.ready() so that the worker knows it too. It receives the Job and a Progress, and returns
an Output: the file to keep, its name and type. The file goes to the default storage (a bucket when
``S3_BUCKET`` is set) under ``jobs/``, for download by the job's owner until ``JOB_RETENTION_HOURS``
have passed (``manage.py sweep_jobs`` deletes it then).
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import BinaryIO

from django.conf import settings
from django.core.files import File
from django.db.models import F
from django.utils import timezone

from .models import Job

log = logging.getLogger(__name__)

RUNNERS: dict[str, Callable] = {}


@dataclass
class Output:
    filename: str
    content_type: str
    file: BinaryIO  # positioned at its start


def runner(kind: str):
    def register(fn):
        RUNNERS[kind] = fn
        return fn

    return register


class Progress:
    """What the worker reports while it runs; the page polls it (one UPDATE per call)."""

    def __init__(self, job: Job):
        self.job = job

    def total(self, n: int) -> None:
        self.job.total = n
        Job.objects.filter(pk=self.job.pk).update(total=n)

    def __call__(self, done: int) -> None:
        self.job.done = done
        Job.objects.filter(pk=self.job.pk).update(done=done)


def run(job_id: int) -> str:
    """Run one job to its end: DONE with its file, or FAILED with a message for the page."""
    job = Job.objects.filter(pk=job_id, state=Job.State.QUEUED).select_related("owner").first()
    if job is None:
        return "gone"  # swept, or already run by another worker
    if not Job.objects.filter(pk=job.pk, state=Job.State.QUEUED).update(state=Job.State.RUNNING, done=0):
        return "taken"
    try:
        output = RUNNERS[job.kind](job, Progress(job))
        with output.file:
            name = job.file.field.generate_filename(job, output.filename)
            stored = job.file.storage.save(name, File(output.file, name=output.filename))
    except Exception:
        log.exception("job %s (%s) failed", job.pk, job.kind)
        Job.objects.filter(pk=job.pk).update(
            state=Job.State.FAILED,
            error="生成失败，请重新提交；如仍失败请联系管理员。",
            finished_at=timezone.now(),
        )
        return "failed"
    now = timezone.now()
    updated = Job.objects.filter(pk=job.pk).update(
        state=Job.State.DONE,
        file=stored,
        filename=output.filename,
        content_type=output.content_type,
        done=F("total"),
        finished_at=now,
        expires_at=now + timedelta(hours=settings.JOB_RETENTION_HOURS),
    )
    if not updated:  # the row went away meanwhile (swept): keep no orphan file
        job.file.storage.delete(stored)
    return "done"
