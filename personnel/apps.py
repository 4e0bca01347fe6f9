from django.apps import AppConfig


class PersonnelConfig(AppConfig):
    name = "personnel"
    verbose_name = "检测人员"
