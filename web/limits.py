"""Limits on what a request may bring, checked before Django reads its body.

- **Size.** ``Content-Length`` is compared with the cap before the body is read: ``REQUEST_MAX_KB`` for
  anonymous requests and for every view that takes no files; for the views marked ``@takes_files`` (the
  upload forms, logged in) ``ATTACHMENT_MAX_REQUEST_MB`` of files plus ``REQUEST_MAX_KB`` for the form's
  other fields. Over the cap the answer is the 413 page in Chinese. A reverse proxy in front must allow
  the same sizes, or users see its own page instead.
- **NUL bytes.** A NUL in a query parameter, a form field or an uploaded file's name is refused with the
  400 page: PostgreSQL cannot store one in text, and no legitimate input has one.
"""

from django.conf import settings
from django.shortcuts import render

from .filters import InvalidQuery

KB, MB = 1024, 1024 * 1024


def takes_files(view):
    """Mark a view as an upload form: its requests may be as large as ``ATTACHMENT_MAX_REQUEST_MB``."""
    view.takes_files = True
    return view


def body_limit(request, view) -> int:
    """The largest body (bytes) this request to ``view`` may carry."""
    if getattr(view, "takes_files", False) and request.user.is_authenticated:
        return settings.ATTACHMENT_MAX_REQUEST_MB * MB + settings.REQUEST_MAX_KB * KB
    return settings.REQUEST_MAX_KB * KB


class RequestLimitsMiddleware:
    """Place before CsrfViewMiddleware: its ``process_view`` reads the body."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view, args, kwargs):
        limit = body_limit(request, view)
        if _content_length(request) > limit:
            uploads = limit > settings.REQUEST_MAX_KB * KB
            shown = f"{settings.ATTACHMENT_MAX_REQUEST_MB} MB" if uploads else f"{settings.REQUEST_MAX_KB} KB"
            context = {"limit": shown, "uploads": uploads}
            return render(request, "413.html", context, status=413)
        if _has_nul(request):
            raise InvalidQuery("请求中含有空字符（NUL），无法处理。请检查输入的内容后重试。")
        return None


def _content_length(request) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0  # Django reads no body without a valid length


def _has_nul(request) -> bool:
    fields = [request.GET, request.POST] if request.method == "POST" else [request.GET]
    texts = [text for data in fields for key, values in data.lists() for text in (key, *values)]
    if request.method == "POST":
        texts += [f.name or "" for _key, files in request.FILES.lists() for f in files]
    return any("\x00" in text for text in texts)
