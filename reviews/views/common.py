from functools import wraps

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render

from ..actions import AlreadyHandled, RequestConflict
from ..models import Request


def visible_request(user, pk: int) -> Request:
    """The request if ``user`` may see it, else 404 (scope starts here for every request page)."""
    return get_object_or_404(Request.objects.visible_to(user), pk=pk)


def friendly_conflicts(view):
    """A lost race or a conflicting open request is a clear page (409), never a 500."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except (AlreadyHandled, RequestConflict) as e:
            return render(request, "reviews/already_handled.html", {"message": e.message}, status=409)

    return wrapper


def filed(request, form, filed_request, message: str):
    """After a filing: greyscale warnings, the success message, and on to the request page."""
    for warning in form.scan_warnings:
        messages.warning(request, warning)
    messages.success(request, message)
    return redirect("request_detail", pk=filed_request.pk)
