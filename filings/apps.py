from django.apps import AppConfig

from reviews import processes


class FilingsConfig(AppConfig):
    name = "filings"
    verbose_name = "备案"

    def ready(self):
        from .institution_filing import INSTITUTION_FILING
        from .personnel_filing import PERSONNEL_FILING

        for process in (PERSONNEL_FILING, INSTITUTION_FILING):
            processes.register(process)
