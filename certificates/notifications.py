"""消息 about paper certificates: ready to collect at the city (寄出 to it), and to be mailed back (证书收回).
Called inside the action's transaction; ``notices.notify`` writes the messages once it commits."""

from django.conf import settings
from django.urls import reverse

from notices.actions import Kind, notify


def _institution(certificate):
    """Who holds the paper: the certificate's institution, or (调离) its holder's."""
    return certificate.institution or certificate.holder.institution


def ready_to_collect(task) -> None:
    """The province sent the printed certificate to its city (寄出): the institution can collect it (发放)."""
    certificate = task.certificate
    institution = _institution(certificate)
    if institution is None:
        return
    text = (
        f"{certificate.holder.name}的{certificate.get_kind_display()}岗位合格证书（{certificate.number}，"
        f"第{task.edition}版）已寄往{task.destination_city.name}建设行政主管部门，请前往领取。"
    )
    url = reverse("application_detail", args=[task.application_id])
    notify([institution], Kind.COLLECT, text, url, once_key=f"print_task:{task.pk}:sent")


def must_mail_back(recovery) -> None:
    """A cancelled certificate's paper must come back to the province (证书收回): its institution is told."""
    certificate = recovery.certificate
    text = (
        f"{certificate.holder.name}的{certificate.get_kind_display()}岗位合格证书（{certificate.number}）"
        f"已注销，请立即将证书寄回省质监总站（{settings.PROVINCE_MAIL_ADDRESS}）。"
    )
    url = reverse("application_detail", args=[recovery.application_id])
    notify([recovery.application.institution], Kind.RECOVER, text, url, once_key=f"recovery:{recovery.pk}")
