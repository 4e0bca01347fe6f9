from django.apps import AppConfig

from reviews import processes


class CreditConfig(AppConfig):
    name = "credit"
    verbose_name = "信用管理"

    def ready(self):
        from .appeals import APPEAL
        from .recording import CREDIT_RECORD

        for process in (CREDIT_RECORD, APPEAL):
            processes.register(process)
