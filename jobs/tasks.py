"""The one task the worker runs: a Job, whatever its kind (see runner.py)."""

from django_tasks import task

from . import runner


@task()
def run_job(job_id: int) -> str:
    return runner.run(job_id)
