from django.apps import AppConfig


class InstitutionsConfig(AppConfig):
    name = "institutions"
    verbose_name = "检测机构"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from . import second_factor
        from .sessions import on_login, on_logout

        user_logged_in.connect(on_login, dispatch_uid="institutions.sessions.on_login")
        user_logged_in.connect(second_factor.on_login, dispatch_uid="institutions.second_factor.on_login")
        user_logged_out.connect(on_logout, dispatch_uid="institutions.sessions.on_logout")
