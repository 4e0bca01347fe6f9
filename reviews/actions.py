"""One action per workflow step. Every entry point (view, command, test) calls these.

Each action locks the request row, checks the user's right itself (django-fsm's ``permission=`` is
only a query), runs the transition, saves, lets django-fsm-log write the history row and applies the
process's effect, all in one ``transaction.atomic()``. Slow work is scheduled with ``on_commit``.
"""

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django_fsm import ConcurrentTransition, TransitionNotAllowed, has_transition_perm

from .attachments import cleanup_on_failure, discard, store
from .models import CityApproval, Request, State


class AlreadyHandled(Exception):
    """The request moved on before this action (another reviewer, another tab, a stale page)."""

    message = "该申请已被处理，当前状态已变化。请刷新页面查看最新状态。"


class RequestConflict(Exception):
    """The person already has an open request (database constraint ``one_open_request_per_person``)."""

    message = "该人员已有未办结的申请（待接收、审核中或已退回），请先办结或撤回后再提交。"


def may(request: Request, user, name: str) -> bool:
    """Whether ``user`` holds the role and scope for transition ``name`` (whatever the state)."""
    meta = getattr(request, name)._django_fsm
    return any(t.has_perm(request, user) for t in meta.transitions.values())


def available_actions(request: Request, user) -> set[str]:
    """Transition names this user can run now; templates draw buttons from this and nothing else."""
    names = {t.name for t in request.get_available_user_state_transitions(user)}
    if "approve_city" in names and _city_has_approved(request, user):
        names -= {"approve_city", "return_city"}
    return names


def _city_has_approved(request, user) -> bool:
    return request.approvals.filter(round=request.round, city_id=user.city_id).exists()


def _lock(request_id: int) -> Request:
    return Request.objects.select_for_update().get(pk=request_id)


def _transition(request: Request, name: str, user, opinion: str = "") -> None:
    """Run transition ``name`` as ``user`` on a locked request and save it (inside atomic)."""
    if not may(request, user, name):
        raise PermissionDenied("您无权执行此操作。")
    method = getattr(request, name)
    if not has_transition_perm(method, user):
        raise AlreadyHandled
    method(by=user, description=opinion or None)
    request.save()


def _guarded(fn):
    """Turn a lost race into ``AlreadyHandled`` and the open-request constraint into ``RequestConflict``."""

    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (ConcurrentTransition, TransitionNotAllowed) as e:
            raise AlreadyHandled from e
        except IntegrityError as e:
            if "one_open_request_per_person" in str(
                e
            ) or "UNIQUE constraint failed: reviews_request.person_id" in str(e):
                raise RequestConflict from e
            if "one_approval_per_city_round" in str(e) or "reviews_cityapproval" in str(e):
                raise AlreadyHandled from e
            raise

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


@_guarded
def file_request(request: Request, user, *, cities, scans_by_type: dict) -> Request:
    """Create a request (built but unsaved by the process), store its scans and submit it."""
    with cleanup_on_failure() as saved, transaction.atomic():
        request.created_by = user
        request.save()
        request.cities.set(cities)
        store(scans_by_type, user=user, saved=saved, request=request)
        # Transitions always run on the base row, so that the history is keyed by Request.
        _transition(_lock(request.pk), "submit", user, "提交申请")
    request.refresh_from_db()
    return request


@_guarded
def resubmit(request_id: int, user, *, scans_by_type: dict, note: str = "") -> Request:
    """Resubmit a returned request; uploaded scans replace the filer's earlier ones of the same types."""
    with cleanup_on_failure() as saved, transaction.atomic():
        request = _lock(request_id)
        if not may(request, user, "submit"):
            raise PermissionDenied("您无权执行此操作。")
        if request.state != State.RETURNED:
            raise AlreadyHandled
        discard(request.attachments.filter(type__in=list(scans_by_type)))
        store(scans_by_type, user=user, saved=saved, request=request)
        _transition(request, "submit", user, note or "修改后重新提交")
    return request


@_guarded
def withdraw(request_id: int, user) -> Request:
    with transaction.atomic():
        request = _lock(request_id)
        _transition(request, "withdraw", user, "申请单位撤回")
    return request


@_guarded
def accept(request_id: int, user, *, scans_by_type: dict) -> Request:
    """接收: the receiving institution files its scans (replacing earlier ones) and review starts."""
    with cleanup_on_failure() as saved, transaction.atomic():
        request = _lock(request_id)
        if not may(request, user, "accept"):
            raise PermissionDenied("您无权执行此操作。")
        if request.state != State.PENDING_RECEIPT:
            raise AlreadyHandled
        discard(request.attachments.filter(type__in=list(scans_by_type)))
        store(scans_by_type, user=user, saved=saved, request=request)
        _transition(request, "accept", user, "调入机构已接收")
    return request


@_guarded
def refuse(request_id: int, user, reason: str) -> Request:
    with transaction.atomic():
        request = _lock(request_id)
        _transition(request, "refuse", user, reason)
    return request


@_guarded
def decide(request_id: int, user, decision: str, opinion: str = "") -> Request:
    """A reviewer's 同意 or 退回 at the request's current step (city or province)."""
    if decision not in ("approve", "return"):
        raise ValueError(decision)
    opinion = (opinion or "").strip()
    if decision == "return" and not opinion:
        raise ValueError("退回必须填写审核意见")
    step = "city" if user.is_city else "province"
    name = f"{decision}_{step}"
    with transaction.atomic():
        request = _lock(request_id)
        if step == "city" and may(request, user, name) and _city_has_approved(request, user):
            raise AlreadyHandled
        if name == "approve_city" and may(request, user, name) and request.state == State.PENDING_CITY:
            CityApproval.objects.create(
                request=request, city_id=user.city_id, round=request.round, approved_by=user
            )
        _transition(request, name, user, opinion or "同意")
        if name == "approve_province":
            request.detail().apply_approval(user)
    return request
