"""A small rate limit on the cache (Redis in production): per client address, or per any key."""

from django.conf import settings
from django.core.cache import cache


def allow(request, scope: str, limit: int, seconds: int) -> bool:
    """Count this request against ``limit`` per ``seconds`` for the client's address; False when over."""
    return hit(f"{scope}:{client_address(request)}", seconds) <= limit


def hit(key: str, seconds: int) -> int:
    """Count one more event under ``key`` in a window of ``seconds`` from the first; the count so far."""
    key = f"throttle:{key}"
    cache.add(key, 0, timeout=seconds)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=seconds)
        return 1


def spent(key: str, limit: int) -> bool:
    """Whether ``limit`` events were already counted under ``key`` in its current window."""
    return cache.get(f"throttle:{key}", 0) >= limit


def client_address(request) -> str:
    """The client's address: ``CLIENT_IP_HEADER`` (set by the trusted proxy) when configured."""
    header = settings.CLIENT_IP_HEADER
    if header and request.META.get(header):
        return request.META[header].split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "unknown")
