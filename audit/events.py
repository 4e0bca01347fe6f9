"""Recording a security event: ``record(kind, request=…, user=…)``, from any app.

Call it inside the action's transaction where there is one (a decision is logged with it, or not at all);
elsewhere it writes at once.
"""

from web.throttle import client_address

from .models import AuditEvent, Kind, Outcome

__all__ = ["Kind", "Outcome", "record"]


def record(
    kind, *, request=None, user=None, outcome=Outcome.SUCCESS, obj=None, username="", detail="", address=""
):
    user = user if user is not None else getattr(request, "user", None)
    known = user is not None and user.is_authenticated
    event = AuditEvent(
        kind=kind,
        outcome=outcome,
        username=(user.get_username() if known else username)[:150],
        user_id=user.pk if known else None,
        role=getattr(user, "role", "") if known else "",
        organisation=(getattr(user, "scope_label", "") if known else "")[:100],
        institution_id=getattr(user, "institution_id", None) if known else None,
        detail=detail[:500],
        address=address[:64],
    )
    if request is not None:
        event.address = client_address(request)[:64]
        event.user_agent = request.META.get("HTTP_USER_AGENT", "")[:255]
        event.path = request.path[:255]
    if obj is not None:
        event.object_type = obj._meta.label_lower[:50]
        event.object_id = str(obj.pk)[:50]
    event.save()
    return event
