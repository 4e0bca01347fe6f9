"""Prefix search that an index can answer on every database the product runs on."""

from django.db import connections
from django.db.models import Q

# The highest code point: every string that starts with ``text`` sorts below ``text + LAST``.
LAST = "\U0010ffff"


def startswith(field: str, text: str, using: str = "default") -> Q:
    """``field`` starts with ``text``.

    PostgreSQL answers ``LIKE 'text%'`` from a ``varchar_pattern_ops`` index, whatever the collation;
    the added ``>= text`` (true of every string that starts with ``text``) lets a list sorted by
    ``field`` start its walk of the ordinary index at ``text`` and stop after one page.
    SQLite does not use an index for Django's ``LIKE … ESCAPE``, but compares strings by code point,
    so the same rows are a range of its plain index.
    """
    if connections[using].vendor == "postgresql":
        return Q(**{f"{field}__gte": text, f"{field}__startswith": text})
    return Q(**{f"{field}__gte": text, f"{field}__lt": text + LAST})
