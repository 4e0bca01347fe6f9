from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = "后台任务"

    def ready(self):
        from . import exports  # noqa: F401  (registers the "xlsx" job kind)
