"""Cached views of data that actions change, never stale after an action.

A generation lives in the cache under a name: ``GENERATION`` for what every organisation's pages count
(menus, home's totals, the queues' counts), and narrower ones where one login's data changes alone (its
unread messages). Every change bumps the generations it concerns (``changed``) at once and again when
its transaction commits: the first bump serves the acting transaction itself, the second makes sure
nothing computed meanwhile from the data as it was before the commit outlives it. A generation is a
random token, so a generation lost from the cache and created again never matches a value stored
under an earlier one. A cached value is stored with the generation it was computed at and used only
while that is still current. Reading costs one cache round trip (the value and the generation).

With several app servers the cache must be shared (``REDIS_URL``); the local-memory cache of the
embedded default serves one process. Values also expire after ``TIMEOUT`` seconds whatever happens.
"""

import secrets

from django.core.cache import cache
from django.db import transaction

GENERATION = "jiance:generation"
TIMEOUT = 300


def changed(*generations: str) -> None:
    """What the named generations (by default ``GENERATION``) cover is stale from now on."""
    generations = generations or (GENERATION,)
    _bump(generations)
    transaction.on_commit(lambda: _bump(generations))


def _bump(generations) -> None:
    cache.set_many({generation: secrets.token_hex(8) for generation in generations}, timeout=None)


def cached(key: str, compute, generation: str = GENERATION):
    """``compute()``'s value, from the cache while nothing covered by ``generation`` has changed since."""
    found = cache.get_many([generation, key])
    current = found.get(generation)
    if current is None:
        cache.add(generation, secrets.token_hex(8), timeout=None)
        current = cache.get(generation)
    stored = found.get(key)
    if stored is not None and stored[0] == current:
        return stored[1]
    value = compute()
    cache.set(key, (current, value), timeout=TIMEOUT)
    return value
