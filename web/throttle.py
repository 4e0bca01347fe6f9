"""A small per-client rate limit on the cache (Redis in production) for public look-ups."""

from django.conf import settings
from django.core.cache import cache


def allow(request, scope: str, limit: int, seconds: int) -> bool:
    """Count this request against ``limit`` per ``seconds`` for the client's address; False when over."""
    client = client_address(request)
    key = f"throttle:{scope}:{client}"
    cache.add(key, 0, timeout=seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=seconds)
        count = 1
    return count <= limit


def client_address(request) -> str:
    """The client's address: ``CLIENT_IP_HEADER`` (set by the trusted proxy) when configured."""
    header = settings.CLIENT_IP_HEADER
    if header and request.META.get(header):
        return request.META[header].split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "unknown")
