from django.apps import AppConfig

from reviews import processes


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = "岗位合格证书"

    def ready(self):
        from . import print_job  # noqa: F401  (registers the "print_pdf" job kind)
        from .cancellation import CANCELLATION
        from .reissue import REISSUE
        from .transfer import TRANSFER

        for process in (TRANSFER, REISSUE, CANCELLATION):
            processes.register(process)

        from workdays import deadlines

        from .models import Recovery

        # 证书收回: the institution mails the paper back within the limit (待交回 → 已寄回).
        recovery = deadlines.declare(deadlines.Step("recovery", "证书收回（检测机构寄回）", 10))
        deadlines.track(Recovery, {Recovery.State.PENDING: recovery.code})
