from django.shortcuts import redirect
from django.urls import reverse

from .second_factor import SECOND_FACTOR_PATHS


class PasswordChangeRequiredMiddleware:
    """An account with an initial password (docs/domain.md, 机构备案) or an expired one may do nothing but
    change it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.password_change_due:
            # The second-factor pages come first (second_factor.SecondFactorMiddleware gates the rest).
            allowed = {reverse(name) for name in ("password_change", "logout", *SECOND_FACTOR_PATHS)}
            if request.path not in allowed and not request.path.startswith("/static/"):
                return redirect("password_change")
        return self.get_response(request)
