"""Actions for printed certificates (打印 → 寄出 → 发放) and recovered ones (交回 → 收回)."""

from django.db import transaction

from reviews.transitions import guarded, run

from . import notifications
from .models import PrintTask, Recovery


def _locked(model, pks):
    return list(model.objects.select_for_update().filter(pk__in=pks).order_by("pk"))


@guarded
def mark_printed(task_ids, user) -> list[PrintTask]:
    """标记已打印 for every selected task; all or none."""
    with transaction.atomic():
        tasks = _locked(PrintTask, task_ids)
        for task in tasks:
            run(task, "mark_printed", user, description="证书已打印")
    return tasks


@guarded
def send(task_ids, user, tracking_number: str) -> list[PrintTask]:
    """寄出 printed certificates to their city (one parcel: all must go to the same city)."""
    with transaction.atomic():
        tasks = _locked(PrintTask, task_ids)
        if len({t.destination_city_id for t in tasks}) > 1:
            raise ValueError("一次寄出的证书必须寄往同一个市。")
        for task in tasks:
            run(task, "send", user, tracking_number, description=f"寄出，快递单号 {tracking_number or '—'}")
        sent = PrintTask.objects.filter(pk__in=[t.pk for t in tasks]).select_related(
            "certificate__institution", "certificate__holder__institution", "destination_city"
        )
        for task in sent:
            notifications.ready_to_collect(task)
    return tasks


@guarded
def deliver(task_id, user, recipient: str, delivered_on) -> PrintTask:
    """发放: the destination city hands the certificate to the institution."""
    with transaction.atomic():
        (task,) = _locked(PrintTask, [task_id])
        run(task, "deliver", user, recipient, delivered_on, description=f"发放给 {recipient}")
    return task


@guarded
def mail_recovery(recovery_id, user, tracking_number: str) -> Recovery:
    """The institution records that it mailed the cancelled paper certificate to the province."""
    with transaction.atomic():
        (recovery,) = _locked(Recovery, [recovery_id])
        run(recovery, "mail", user, tracking_number, description=f"已寄回，快递单号 {tracking_number or '—'}")
    return recovery


@guarded
def recover(recovery_id, user) -> Recovery:
    """收回: the province received the paper certificate."""
    with transaction.atomic():
        (recovery,) = _locked(Recovery, [recovery_id])
        run(recovery, "recover", user, description="省质监总站已收回")
    return recovery
