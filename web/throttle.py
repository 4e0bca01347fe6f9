"""A small rate limit on the cache (Redis in production): per client address, or per any key.

When the cache cannot be reached (Redis down), the limit fails open: the request is counted as the
first of its window and a warning is logged ("rate limit skipped"), so 证书查询 keeps answering instead
of failing; the limit returns with the cache.
"""

import logging

from django.conf import settings
from django.core.cache import cache

from .faults import FAULTS

logger = logging.getLogger(__name__)


def allow(request, scope: str, limit: int, seconds: int) -> bool:
    """Count this request against ``limit`` per ``seconds`` for the client's address; False when over."""
    return hit(f"{scope}:{client_address(request)}", seconds) <= limit


def hit(key: str, seconds: int) -> int:
    """Count one more event under ``key`` in a window of ``seconds`` from the first; the count so far."""
    key = f"throttle:{key}"
    try:
        cache.add(key, 0, timeout=seconds)
        try:
            return cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=seconds)
            return 1
    except FAULTS as e:
        logger.warning("rate limit skipped, cache unavailable: %s: %s", type(e).__name__, e)
        return 1


def spent(key: str, limit: int) -> bool:
    """Whether ``limit`` events were already counted under ``key`` in its current window."""
    try:
        return cache.get(f"throttle:{key}", 0) >= limit
    except FAULTS as e:
        logger.warning("rate limit skipped, cache unavailable: %s: %s", type(e).__name__, e)
        return False


def client_address(request) -> str:
    """The client's address: ``CLIENT_IP_HEADER`` (set by the trusted proxy) when configured."""
    header = settings.CLIENT_IP_HEADER
    if header and request.META.get(header):
        return request.META[header].split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "unknown")
