"""Context processor: ``unread_notices``, the header's badge, counted only when a page draws it."""

from django.utils.functional import SimpleLazyObject

from institutions import second_factor

from . import actions, organisations


def unread(request):
    user = getattr(request, "user", None)
    if (
        user is None
        or not user.is_authenticated
        or user.password_change_due
        or not organisations.key_of(user)
    ):
        return {}
    if second_factor.pending(request):
        return {}

    def label():
        count = actions.unread_count(user)
        return f"{actions.UNREAD_CAP}+" if count > actions.UNREAD_CAP else count

    return {"unread_notices": SimpleLazyObject(label)}
