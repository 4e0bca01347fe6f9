"""A small per-client rate limit on the cache (Redis in production) for public look-ups."""

from django.core.cache import cache


def allow(request, scope: str, limit: int, seconds: int) -> bool:
    """Count this request against ``limit`` per ``seconds`` for the client's address; False when over."""
    client = request.META.get("REMOTE_ADDR", "unknown")
    key = f"throttle:{scope}:{client}"
    cache.add(key, 0, timeout=seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=seconds)
        count = 1
    return count <= limit
