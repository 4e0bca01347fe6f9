"""The dashboard of a user's scope, read from the summary: for each chart its table (rows, columns,
合计) and its SVG drawing. The province sees every city and 全省; a city its own figures only.

Reading costs two queries (the refresh's time, the scope's figures) and one more for the city names on
the province's dashboard, whatever the volume behind the figures; the rendered HTML is then cached until
the next refresh (``html_for``).
"""

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from institutions.models import City
from web.charts import Series, bar_chart

from . import summary
from .charts import CHARTS, Chart, Column
from .models import Figure
from .tasks import request_refresh

PROVINCE = "全省"
CACHE_SECONDS = 3600
UNREAD = object()  # for_user(stamp=…): the refresh was not read yet


def may_see(user) -> bool:
    return user.is_province or user.is_city


def scope_label(user) -> str:
    return PROVINCE if user.is_province else user.city.name


def check(user) -> None:
    if not may_see(user):
        raise PermissionDenied("统计分析仅供省质监总站和各市建设行政主管部门查看。")


@dataclass
class Row:
    label: str
    values: list  # per column: a number, or None where there is none ("—")
    total: float | None = None
    whole: bool = False  # the 全省 row of a table of cities

    def cells(self, digits: int) -> list[str]:
        return [_shown(v, digits) for v in self.values]

    def shown_total(self, digits: int) -> str:
        return _shown(self.total, digits)


def _shown(value, digits: int) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


@dataclass
class Table:
    chart: Chart
    columns: list[Column]
    rows: list[Row] = field(default_factory=list)

    @property
    def has_total(self) -> bool:
        return self.chart.additive

    def display_rows(self) -> list[tuple[Row, list[str], str]]:
        digits = self.chart.digits
        return [(row, row.cells(digits), row.shown_total(digits)) for row in self.rows]

    @cached_property
    def svg(self):
        """The chart: the plotted columns; a table of cities that adds up leaves 全省 out of the bars."""
        plotted = [i for i, c in enumerate(self.columns) if c.plotted]
        rows = [r for r in self.rows if not (r.whole and self.chart.additive)]
        return bar_chart(
            self.chart.title,
            [r.label for r in rows],
            [Series(self.columns[i].label, self.columns[i].stack or self.columns[i].key) for i in plotted],
            [[r.values[i] or 0 for i in plotted] for r in rows],
            horizontal=self.chart.horizontal,
            unit=self.chart.unit,
            digits=self.chart.digits,
        )

    def headers(self) -> list[str]:
        total = ["合计"] if self.has_total else []
        return [self.chart.row_heading, *(c.label for c in self.columns), *total]

    def export_rows(self):
        digits = self.chart.digits
        for row in self.rows:
            values = ["" if v is None else round(v, digits) for v in row.values]
            total = [round(row.total, digits)] if self.has_total else []
            yield [row.label, *values, *total]


@dataclass
class Dashboard:
    scope: str  # 全省, or the city's name
    refreshed_at: datetime | None
    stale: bool
    tables: list[Table]


def html_for(user) -> SafeString:
    """The whole dashboard of ``user``'s scope as HTML (403 for anyone but the province and the cities).

    The figures change only when a refresh commits, so the HTML is rendered once per scope and refresh
    and then read from the cache: one query (the refresh's time) and one cache read per page.
    """
    check(user)
    stamp = _checked_stamp()
    scope = "province" if user.is_province else f"city:{user.city_id}"
    when = stamp.finished_at.isoformat() if stamp else "never"
    key = f"stats:html:{scope}:{when}:{summary.is_stale(stamp)}"

    def render():
        return render_to_string("stats/includes/_dashboard.html", {"board": for_user(user, stamp=stamp)})

    # Safe: our own template, which escapes every value.
    return mark_safe(cache.get_or_set(key, render, timeout=CACHE_SECONDS))


def _checked_stamp():
    """The last refresh; a missing or stale summary asks the job worker for a refresh (once per
    ``STATS_REFRESH_MINUTES``)."""
    stamp = summary.last_refresh()
    if summary.is_stale(stamp):
        request_refresh()
    return stamp


def for_user(user, charts: list[Chart] | None = None, stamp=UNREAD) -> Dashboard:
    """The dashboard of ``user``'s scope (403 for anyone but the province and the cities): its tables
    and charts, from the summary."""
    check(user)
    charts = list(CHARTS.values()) if charts is None else charts
    stamp = _checked_stamp() if stamp is UNREAD else stamp
    stale = summary.is_stale(stamp)
    figures = _figures(user, charts)
    as_of = stamp.finished_at if stamp else timezone.now()
    places = _places(user) if any(c.rows is None for c in charts) else []
    own = None if user.is_province else user.city_id
    tables = [_table(chart, figures, places, own, as_of) for chart in charts]
    return Dashboard(scope_label(user), stamp.finished_at if stamp else None, stale, tables)


def _figures(user, charts) -> dict:
    """{(chart, city, row, column): value} of the user's scope, in one query."""
    figures = Figure.objects.filter(chart__in=[c.slug for c in charts])
    if user.is_province:
        by_city = [c.slug for c in charts if c.rows is None]
        figures = figures.filter(Q(city__isnull=True) | Q(chart__in=by_city))
    else:
        figures = figures.filter(city_id=user.city_id)
    return {
        (chart, city, row, column): value
        for chart, city, row, column, value in figures.values_list(
            "chart", "city_id", "row", "column", "value"
        )
    }


def _places(user) -> list[tuple[int | None, str, bool]]:
    """(city, label, whole) of the rows of a table of cities."""
    if user.is_province:
        return [(c.pk, c.name, False) for c in City.objects.order_by("order")] + [(None, PROVINCE, True)]
    return [(user.city_id, user.city.name, False)]


def _table(chart: Chart, figures: dict, places, own, as_of) -> Table:
    columns = chart.columns()
    if chart.rows is None:
        keyed = [(city, "", label, whole) for city, label, whole in places]
    else:
        keyed = [(own, key, label, False) for key, label in chart.rows(as_of)]
    empty = 0 if chart.additive else None
    table = Table(chart, columns)
    for city, key, label, whole in keyed:
        values = [figures.get((chart.slug, city, key, c.key), empty) for c in columns]
        total = sum(values) if chart.additive else None
        table.rows.append(Row(label, values, total, whole))
    return table
