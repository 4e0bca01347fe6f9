from django.apps import AppConfig


class WorkdaysConfig(AppConfig):
    name = "workdays"
    verbose_name = "办理时限"

    def ready(self):
        from django.core.signals import request_started

        from . import calendar

        request_started.connect(calendar.on_request, dispatch_uid="workdays.calendar.on_request")
