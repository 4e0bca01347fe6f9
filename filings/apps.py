from django.apps import AppConfig


class FilingsConfig(AppConfig):
    name = "filings"
    verbose_name = "备案"

    def ready(self):
        from reviews import processes

        from .institution_filing import INSTITUTION_FILING
        from .personnel_filing import PERSONNEL_FILING

        for process in (PERSONNEL_FILING, INSTITUTION_FILING):
            processes.register(process)
