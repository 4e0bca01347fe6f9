"""Starting a job from a web request: the row and the queued task, in one transaction."""

from django.db import transaction

from .models import Job
from .runner import RUNNERS
from .tasks import run_job


def start(user, kind: str, title: str, params: dict, total: int = 0) -> Job:
    """Record the job and enqueue it in one transaction: the queue lives in the same database, so a
    job is either recorded and queued, or neither."""
    if kind not in RUNNERS:
        raise KeyError(kind)
    with transaction.atomic():
        job = Job.objects.create(owner=user, kind=kind, title=title[:120], params=params, total=total)
        result = run_job.enqueue(job.pk)
        Job.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])
    job.refresh_from_db()
    return job
