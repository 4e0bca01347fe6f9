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
