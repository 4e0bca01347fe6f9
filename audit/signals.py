"""Logins, logouts and failed logins, as Django's auth signals report them."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .events import Kind, Outcome, record


@receiver(user_logged_in, dispatch_uid="audit-login")
def _logged_in(sender, request, user, **kwargs):
    record(Kind.LOGIN, request=request, user=user)


@receiver(user_logged_out, dispatch_uid="audit-logout")
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        record(Kind.LOGOUT, request=request, user=user)


@receiver(user_login_failed, dispatch_uid="audit-login-failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    # The username tried, never the password.
    record(
        Kind.LOGIN_FAILED, request=request, outcome=Outcome.FAILURE, username=credentials.get("username", "")
    )


@receiver(user_locked_out, dispatch_uid="audit-locked-out")
def _locked_out(sender, request, username=None, ip_address=None, **kwargs):
    record(
        Kind.LOCKED_OUT,
        request=request,
        outcome=Outcome.REFUSED,
        username=username or "",
        detail=f"登录失败次数过多，已锁定（{ip_address or '—'}）",
    )
