"""One action per workflow step. Every entry point (view, command, test) calls these.

Each action locks the request row, checks the user's right itself (django-fsm's ``permission=`` is
only a query), runs the transition, saves, lets django-fsm-log write the history row and applies the
process's effect, all in one ``transaction.atomic()``. Slow work is scheduled with ``on_commit``.
"""

from functools import wraps

from django.db import IntegrityError, transaction

from . import transitions
from .attachments import cleanup_on_failure, discard, store
from .models import CityApproval, Request, State
from .transitions import AlreadyHandled, guarded, may, run

__all__ = ["AlreadyHandled", "RequestConflict", "available_actions", "may"]


class RequestConflict(Exception):
    """The person already has an open request (database constraint ``one_open_request_per_person``)."""

    message = "该人员已有未办结的申请（待接收、审核中或已退回），请先办结或撤回后再提交。"


def available_actions(request: Request, user) -> set[str]:
    """Transition names this user can run now; templates draw buttons from this and nothing else."""
    names = transitions.available_actions(request, user)
    if "approve_city" in names and _city_has_approved(request, user):
        names -= {"approve_city", "return_city"}
    return names


def _city_has_approved(request, user) -> bool:
    return request.approvals.filter(round=request.round, city_id=user.city_id).exists()


def _lock(request_id: int) -> Request:
    return Request.objects.select_for_update().get(pk=request_id)


def _guarded(fn):
    """Also turn the open-request constraint into ``RequestConflict`` and a duplicate city approval
    (a race the row lock lost on a database without row locks) into ``AlreadyHandled``."""

    @guarded
    @wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except IntegrityError as e:
            text = str(e)
            if "one_open_request_per_person" in text or "reviews_request.person_id" in text:
                raise RequestConflict from e
            if "one_approval_per_city_round" in text or "reviews_cityapproval" in text:
                raise AlreadyHandled from e
            raise

    return wrapper


@_guarded
def file_request(request: Request, user, *, cities, scans_by_type: dict, on_saved=None) -> Request:
    """Create a request (built but unsaved by the process), store its scans and submit it.

    ``on_saved(request)`` lets the process add what needs the saved row (many-to-many fields).
    """
    with cleanup_on_failure() as saved, transaction.atomic():
        request.created_by = user
        request.save()
        request.cities.set(cities)
        if on_saved:
            on_saved(request)
        store(scans_by_type, user=user, saved=saved, request=request)
        # Transitions always run on the base row, so that the history is keyed by Request.
        run(_lock(request.pk), "submit", user, description="提交申请")
    request.refresh_from_db()
    return request


def _run_with_scans(request_id: int, user, name: str, scans_by_type: dict, description: str) -> Request:
    """Run transition ``name``; the uploaded scans replace this party's earlier ones of the same types."""
    with cleanup_on_failure() as saved, transaction.atomic():
        request = _lock(request_id)
        discard(request.attachments.filter(type__in=list(scans_by_type)))
        store(scans_by_type, user=user, saved=saved, request=request)
        # Refused (403 / 已被处理) → the transaction rolls back and cleanup removes the new files.
        run(request, name, user, description=description)
    return request


@_guarded
def resubmit(request_id: int, user, *, scans_by_type: dict, note: str = "") -> Request:
    """Resubmit a returned request (review starts again)."""
    return _run_with_scans(request_id, user, "submit", scans_by_type, note or "修改后重新提交")


@_guarded
def withdraw(request_id: int, user) -> Request:
    with transaction.atomic():
        request = _lock(request_id)
        run(request, "withdraw", user, description="申请单位撤回")
    return request


@_guarded
def accept(request_id: int, user, *, scans_by_type: dict) -> Request:
    """接收: the receiving institution files its scans and municipal review starts."""
    return _run_with_scans(request_id, user, "accept", scans_by_type, "调入机构已接收")


@_guarded
def refuse(request_id: int, user, reason: str) -> Request:
    with transaction.atomic():
        request = _lock(request_id)
        run(request, "refuse", user, description=reason)
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
        run(request, name, user, description=opinion or "同意")
        if name == "approve_province":
            request.detail().apply_approval(user)
    return request
