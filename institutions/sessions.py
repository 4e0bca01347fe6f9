"""Session limits: SESSION_IDLE_MINUTES without a request, SESSION_MAX_HOURS at most, one session per user
(SESSION_SINGLE), and the other sessions ended by a password change."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.utils import timezone

from .models import UserSession

STARTED, SEEN = "limits_started", "limits_seen"
SEEN_PRECISION = 60  # seconds: the last request is written to the session at most once a minute


def on_login(sender, request, user, **kwargs):
    """user_logged_in: start the clocks, record the session, end the others when one session is the rule."""
    if request is None or not hasattr(request, "session"):
        return
    request.session[STARTED] = request.session[SEEN] = time.time()
    key = request.session.session_key  # login() has just cycled (and stored) it
    max_age = timezone.now() - timezone.timedelta(hours=settings.SESSION_MAX_HOURS)
    UserSession.objects.filter(user=user, created_at__lt=max_age).delete()
    UserSession.objects.update_or_create(session_key=key, defaults={"user": user})
    if settings.SESSION_SINGLE:
        UserSession.objects.end_for(user, keep=key)


def on_logout(sender, request, user, **kwargs):
    if request is not None and request.session.session_key:
        UserSession.objects.filter(session_key=request.session.session_key).delete()


def keep_only_this_session(request, user) -> None:
    """After a password change: this session stays logged in (with a new key), every other one ends."""
    old = request.session.session_key
    update_session_auth_hash(request, user)
    UserSession.objects.filter(session_key=old).update(session_key=request.session.session_key)
    UserSession.objects.end_for(user, keep=request.session.session_key)


class SessionLimitsMiddleware:
    """Logs out a session idle for SESSION_IDLE_MINUTES or older than SESSION_MAX_HOURS."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            started = request.session.get(STARTED, now)
            seen = request.session.get(SEEN, now)
            if now - seen > settings.SESSION_IDLE_MINUTES * 60:
                logout(request)
                messages.warning(
                    request, f"超过 {settings.SESSION_IDLE_MINUTES} 分钟未操作，已自动退出，请重新登录。"
                )
            elif now - started > settings.SESSION_MAX_HOURS * 3600:
                logout(request)
                messages.warning(
                    request, f"登录已超过 {settings.SESSION_MAX_HOURS} 小时，已自动退出，请重新登录。"
                )
            else:
                request.session.setdefault(STARTED, started)
                if now - seen >= SEEN_PRECISION or SEEN not in request.session:
                    request.session[SEEN] = now
        return self.get_response(request)
