"""Cached views of data that actions change, never stale after an action.

One generation number lives in the cache. Every state change bumps it (``changed``, called by the one
function that runs transitions) at once and again when its transaction commits: the first bump serves
the acting transaction itself, the second makes sure nothing computed meanwhile from the data as it was
before the commit outlives it. A cached value is stored with the generation it was computed at and used
only while that is still current. Reading costs one cache round trip (the value and the generation).

With several app servers the cache must be shared (``REDIS_URL``); the local-memory cache of the
embedded default serves one process. Values also expire after ``TIMEOUT`` seconds whatever happens.
"""

from django.core.cache import cache
from django.db import transaction

GENERATION = "jiance:generation"
TIMEOUT = 300


def changed() -> None:
    _bump()
    transaction.on_commit(_bump)


def _bump() -> None:
    try:
        cache.incr(GENERATION)
    except ValueError:  # not set yet (or evicted): any new value invalidates what was stored
        cache.set(GENERATION, 1, timeout=None)


def cached(key: str, compute):
    """``compute()``'s value, from the cache while no action has committed since it was stored."""
    found = cache.get_many([GENERATION, key])
    generation = found.get(GENERATION)
    if generation is None:
        cache.add(GENERATION, 1, timeout=None)
        generation = cache.get(GENERATION)
    stored = found.get(key)
    if stored is not None and stored[0] == generation:
        return stored[1]
    value = compute()
    cache.set(key, (generation, value), timeout=TIMEOUT)
    return value
