"""Running a django-fsm transition as a user: the one place that checks rights and state.

Used by every action (applications, printing, recovery). Call inside ``transaction.atomic()`` on a row
locked with ``select_for_update``.
"""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django_fsm import ConcurrentTransition, TransitionNotAllowed, has_transition_perm

from web import freshness


class AlreadyHandled(Exception):
    """The object moved on before this action (another reviewer, another tab, a stale page)."""

    message = "该事项已被处理，当前状态已变化。请刷新页面查看最新状态。"


def may(obj, user, name: str) -> bool:
    """Whether ``user`` holds the role and scope for transition ``name`` (whatever the state)."""
    meta = getattr(obj, name)._django_fsm
    return any(t.has_perm(obj, user) for t in meta.transitions.values())


def available_actions(obj, user) -> set[str]:
    """Names of the transitions ``user`` may run on ``obj`` now: what templates draw buttons from."""
    return {t.name for t in obj.get_available_user_state_transitions(user)}


def check(obj, name: str, user) -> None:
    """Refuse unless ``user`` may run transition ``name`` on ``obj`` now: 403 without the role and
    scope, ``AlreadyHandled`` when the state (or a condition) does not allow it."""
    if not may(obj, user, name):
        raise PermissionDenied("您无权执行此操作。")
    if not has_transition_perm(getattr(obj, name), user):
        raise AlreadyHandled


def run(obj, name: str, user, *args, description: str | None = None, **kwargs) -> None:
    """Run transition ``name`` as ``user`` and save: 403 without the right, ``AlreadyHandled`` if the
    state does not allow it. django-fsm-log writes the history row (by, description)."""
    check(obj, name, user)
    getattr(obj, name)(*args, by=user, description=description or None, **kwargs)
    obj.save()
    freshness.changed()  # counts cached by web.freshness (the menus) are stale from now on


def guarded(fn):
    """An action decorator: a lost race (``ConcurrentTransition``, ``TransitionNotAllowed``) becomes
    ``AlreadyHandled``, which views show as a friendly page."""

    @wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (ConcurrentTransition, TransitionNotAllowed) as e:
            raise AlreadyHandled from e

    return wrapper
