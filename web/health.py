"""/healthz and /readyz for the load balancer (own views, not django-health-check: its storage check
writes and deletes a file on every probe and nothing bounds how long a hung service makes it wait).

- ``/healthz``: the process answers; touches nothing else (no database, no cache, no session).
- ``/readyz``: the database, the cache and the storage each answer within ``READYZ_TIMEOUT_SECONDS``
  (checked at once, in threads); 200 with each one's time, or 503 naming what failed.
Both are public, plain text, never cached, and exempt from the HTTPS redirect (``SECURE_REDIRECT_EXEMPT``)
so that a balancer can check each app server over plain HTTP.
"""

import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import connection
from django.http import HttpResponse
from django.views.decorators.cache import never_cache

PROBE_KEY = "jiance:readyz"


@login_not_required
@never_cache
def healthz(request) -> HttpResponse:
    return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")


def _database() -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        connection.close()  # this thread's own connection: never left open


def _cache() -> None:
    cache.set(PROBE_KEY, "1", timeout=30)
    if cache.get(PROBE_KEY) != "1":
        raise RuntimeError("cache did not return what was written")


def _storage() -> None:
    default_storage.exists("readyz-probe")  # one HEAD (or stat); writes nothing


CHECKS = {"database": _database, "cache": _cache, "storage": _storage}


@login_not_required
@never_cache
def readyz(request) -> HttpResponse:
    timeout = settings.READYZ_TIMEOUT_SECONDS
    pool = ThreadPoolExecutor(max_workers=len(CHECKS), thread_name_prefix="readyz")
    started = time.monotonic()
    futures = {name: pool.submit(check) for name, check in CHECKS.items()}
    lines, ready = [], True
    for name, future in futures.items():
        remaining = max(timeout - (time.monotonic() - started), 0)
        try:
            future.result(timeout=remaining)
            lines.append(f"{name}: ok")
        except FutureTimeout:
            ready = False
            lines.append(f"{name}: timeout after {timeout:g}s")
        except Exception as e:
            ready = False
            lines.append(f"{name}: {type(e).__name__}")
    pool.shutdown(wait=False, cancel_futures=True)  # a hung check must not hold the answer
    lines.append(f"took: {(time.monotonic() - started) * 1000:.0f} ms")
    body = ("ready\n" if ready else "not ready\n") + "\n".join(lines) + "\n"
    return HttpResponse(body, status=200 if ready else 503, content_type="text/plain; charset=utf-8")
