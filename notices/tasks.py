"""The work the job worker does for messages: SMS and the daily e-mail digest."""

from django_tasks import task

from . import digest, sms


@task()
def send_sms(notice_ids: list[int]) -> int:
    return sms.send(notice_ids)


@task()
def send_digests() -> int:
    return digest.send_all()
