"""Faults of the services the app stands on end in one Chinese page, 503 系统繁忙，请稍后重试.

A database that restarts or refuses connections (``OperationalError``, ``InterfaceError``), a bucket
that does not answer within its timeouts (botocore's connection and read errors) or a cache server that
is down is not a bug in the request: the user should try again in a moment. ``unavailable()`` says
whether an exception is such a fault; ``ServiceUnavailableMiddleware`` answers a view's fault with the
page, and ``jiance.views.server_error`` (handler500) does the same for a fault raised in a middleware.

The page is rendered without a request context: the menus and the user need the database.
After a POST it says to check the list before filing again, since the fault may have struck after
the change committed.
"""

import logging
import socket

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 10


def _storage_faults() -> tuple[type[BaseException], ...]:
    try:
        from botocore.exceptions import ConnectionError as BotoConnectionError
        from botocore.exceptions import HTTPClientError
    except ImportError:  # pragma: no cover - boto3 comes with django-storages[s3]
        return ()
    return (BotoConnectionError, HTTPClientError)


def _cache_faults() -> tuple[type[BaseException], ...]:
    try:
        from django_redis.exceptions import ConnectionInterrupted
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError
    except ImportError:  # pragma: no cover - redis comes with django-redis
        return ()
    return (ConnectionInterrupted, RedisConnectionError, RedisTimeoutError)


FAULTS = (OperationalError, InterfaceError, socket.timeout, *_storage_faults(), *_cache_faults())


def unavailable(exception: BaseException | None) -> bool:
    """Whether ``exception`` (or an exception it was raised from) is a service fault, not a bug."""
    seen = 0
    while exception is not None and seen < 5:
        if isinstance(exception, FAULTS):
            return True
        exception = exception.__cause__ or exception.__context__
        seen += 1
    return False


def busy_page(request, exception) -> HttpResponse:
    logger.warning("service unavailable: %s: %s", type(exception).__name__, exception)
    after_post = request is not None and request.method == "POST"
    response = HttpResponse(render_to_string("503.html", {"after_post": after_post}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class ServiceUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if unavailable(exception):
            return busy_page(request, exception)
        return None
