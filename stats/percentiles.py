"""Median and other percentiles of a queryset's column per group, computed by the database.

PostgreSQL has the ordered-set aggregate ``percentile_cont``. SQLite has none: there the rows are numbered
per group by window functions, and only the (at most two) rows around each wanted position come back, to
be interpolated exactly as ``percentile_cont`` does. Either way no more than a few rows per group reach
Python, however many the queryset holds.
"""

from collections import defaultdict
from math import floor

from django.db import connections
from django.db.models import Aggregate, Count, FloatField


class PercentileCont(Aggregate):
    """PostgreSQL's ``percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)``."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=repr(float(fraction)), **extra)


def percentiles(queryset, keys: list[str], value: str, fractions: list[float]) -> dict[tuple, tuple]:
    """{(key values…): (n, percentile of each fraction…)} over the rows of ``queryset``.

    ``keys`` and ``value`` name annotations of the queryset (so that they have their own column names);
    with no keys there is one group, ``()``. Rows whose value is NULL are left out; a group without any
    other row is missing.
    """
    if connections[queryset.db].vendor == "postgresql":
        return _aggregated(queryset, keys, value, fractions)
    return _windowed(queryset, keys, value, fractions)


def _aggregated(queryset, keys, value, fractions):
    aggregates = {f"p{i}": PercentileCont(value, f) for i, f in enumerate(fractions)}
    aggregates["n"] = Count(value)
    if not keys:
        row = queryset.aggregate(**aggregates)
        return {(): _figures(row, fractions)} if row["n"] else {}
    rows = queryset.values(*keys).annotate(**aggregates).order_by()
    return {tuple(row[k] for k in keys): _figures(row, fractions) for row in rows}


def _figures(row, fractions):
    return (row["n"], *(row[f"p{i}"] for i in range(len(fractions))))


def _windowed(queryset, keys, value, fractions):
    connection = connections[queryset.db]
    quote = connection.ops.quote_name
    inner, params = queryset.values(*keys, value).order_by().query.sql_with_params()
    key_list = ", ".join(quote(k) for k in keys)
    partition = f"PARTITION BY {key_list} " if keys else ""
    # 1-based row numbers at floor(f·(n−1)) + 1 and the next one; CAST truncates, as floor does here.
    wanted = " OR ".join(
        f"rn - 1 IN (CAST({f!r} * (n - 1) AS INTEGER), CAST({f!r} * (n - 1) AS INTEGER) + 1)"
        for f in fractions
    )
    select = f"{key_list}, " if keys else ""
    sql = (
        f"SELECT {select}v, rn, n FROM ("
        f"SELECT {select}{quote(value)} AS v,"
        f" ROW_NUMBER() OVER ({partition}ORDER BY {quote(value)}) AS rn,"
        f" COUNT(*) OVER ({partition.strip()}) AS n"
        f" FROM ({inner}) AS d WHERE {quote(value)} IS NOT NULL) AS w WHERE {wanted}"
    )
    near: dict[tuple, dict[int, float]] = defaultdict(dict)
    sizes: dict[tuple, int] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for *group, v, rn, n in cursor.fetchall():
            near[tuple(group)][rn - 1] = v
            sizes[tuple(group)] = n
    return {
        group: (sizes[group], *(_interpolated(values, sizes[group], f) for f in fractions))
        for group, values in near.items()
    }


def _interpolated(values: dict[int, float], n: int, fraction: float) -> float:
    """``percentile_cont``: linear between the values at 0-based positions floor(h) and floor(h) + 1,
    h = fraction · (n − 1)."""
    h = fraction * (n - 1)
    low = floor(h)
    if low + 1 >= n:
        return values[low]
    return values[low] + (h - low) * (values[low + 1] - values[low])
