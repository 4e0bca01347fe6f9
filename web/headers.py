"""Browser security headers on every response, in every mode (development included).

``Content-Security-Policy`` comes from ``settings.CONTENT_SECURITY_POLICY`` (directive → sources) and
``Permissions-Policy`` from ``settings.PERMISSIONS_POLICY``. A response that already carries its own policy
keeps it: the attachment download sends a stricter ``sandbox`` policy of its own.

A middleware of a few lines rather than django-csp: the policy is one fixed string (no nonces, no per-view
variants, no reports to collect), so a dependency would add nothing we use.
"""

from django.conf import settings


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.csp = "; ".join(
            f"{directive} {' '.join(sources)}"
            for directive, sources in settings.CONTENT_SECURITY_POLICY.items()
        )
        self.permissions = settings.PERMISSIONS_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.csp)
        response.headers.setdefault("Permissions-Policy", self.permissions)
        return response
