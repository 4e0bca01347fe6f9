"""Working days (工作日) by the official Chinese calendar, with the province's own table first.

Which days are off in a year comes from one of three sources, in this order:

1. the province's table for that year (``HolidayTable``: the State Council's published holidays and
   make-up working days, 调休), entered under 系统管理 → 办理时限;
2. the ``chinese-calendar`` package, which follows the State Council's notices (holidays and 调休) for
   the years it knows;
3. otherwise the year is **provisional** (暂定): weekends and the fixed-date holidays (元旦 1/1, 劳动节
   5/1–5/2, 国庆节 10/1–10/3) are off, and pages say so. A year the package does not know never breaks
   a page.

A year's days off are computed once per process and kept (``_years``), so counting working days never
queries the database per day. The province's tables and the step limits are read in one query each,
once per process and version: saving either bumps a version in the shared cache (``changed``), and
every process drops its copy at its next request once it sees a version other than its own.
"""

import contextlib
import time
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from web import freshness

PROVINCE, PACKAGE, PROVISIONAL = "province", "package", "provisional"
SOURCE_LABELS = {
    PROVINCE: "省质监总站录入的国务院放假安排",
    PACKAGE: "国务院放假安排（chinese-calendar）",
    PROVISIONAL: "暂定：仅按周末及固定日期节日计算",
}
# 《全国年节及纪念日放假办法》's holidays on fixed dates (元旦, 劳动节, 国庆节); the lunar ones (春节,
# 清明节, 端午节, 中秋节) and every 调休 are known only from the year's notice.
FIXED_HOLIDAYS = ((1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3))

VERSION_KEY = "workdays:version"
RECHECK_SECONDS = 60  # outside requests (the job worker), how often the shared version is read


@dataclass(frozen=True)
class Year:
    year: int
    source: str
    off: frozenset  # the days off: weekends and holidays, without the make-up working days

    @property
    def provisional(self) -> bool:
        return self.source == PROVISIONAL


_years: dict[int, Year] = {}
_left: dict[tuple[date, date], int] = {}  # workdays_left's answers: a queue asks the same few many times
_tables: dict | None = None  # {year: (holidays, workdays)} from HolidayTable
_limits: dict | None = None  # {step: days} from StepLimit
_version: str | None = None
_checked_at: float | None = None


def today() -> date:
    return timezone.localdate()


def on_request(**kwargs) -> None:
    """``request_started``: read the shared version again at the first use in this request."""
    global _checked_at
    _checked_at = None


def forget() -> None:
    """Drop this process's copy: the next use reads the tables again."""
    global _tables, _limits
    _years.clear()
    _left.clear()
    _tables = _limits = None


def changed() -> None:
    """The province saved a table or a limit: forget now, and tell every process once it commits. Due
    dates move, so the counts of overdue work cached by ``web.freshness`` are stale too."""
    forget()
    freshness.changed()

    def bump():
        global _version
        forget()
        _version = uuid.uuid4().hex
        # The cache may be down: other processes then see the change when it returns.
        with contextlib.suppress(Exception):
            cache.set(VERSION_KEY, _version, timeout=None)

    transaction.on_commit(bump)


def _fresh() -> None:
    global _version, _checked_at
    now = time.monotonic()
    if _checked_at is not None and now - _checked_at < RECHECK_SECONDS:
        return
    _checked_at = now
    try:
        shared = cache.get(VERSION_KEY)
        if shared is None:  # first use, or the cache was emptied: ours is as good as any
            _version = _version or uuid.uuid4().hex
            cache.add(VERSION_KEY, _version, timeout=None)
            shared = cache.get(VERSION_KEY) or _version
    except Exception:
        return
    if shared != _version:
        forget()
        _version = shared


def _province_tables() -> dict:
    global _tables
    if _tables is None:
        from .models import HolidayTable

        _tables = {
            t.year: (frozenset(t.holiday_dates()), frozenset(t.workday_dates()))
            for t in HolidayTable.objects.all()
        }
    return _tables


def limits() -> dict:
    """{step: days} as the province set them (steps it has not set keep their default)."""
    global _limits
    _fresh()
    if _limits is None:
        from .models import StepLimit

        _limits = dict(StepLimit.objects.values_list("step", "days"))
    return _limits


def _days(year: int):
    day = date(year, 1, 1)
    while day.year == year:
        yield day
        day += timedelta(days=1)


def _weekend(day: date) -> bool:
    return day.weekday() >= 5


def _load(year: int) -> Year:
    table = _province_tables().get(year)
    if table is not None:
        holidays, workdays = table
        off = {d for d in _days(year) if (_weekend(d) or d in holidays) and d not in workdays}
        return Year(year, PROVINCE, frozenset(off))
    try:
        off = {d for d in _days(year) if not chinese_calendar.is_workday(d)}
        return Year(year, PACKAGE, frozenset(off))
    except NotImplementedError:  # a year the package does not know (chinese-calendar 1.11.0: after 2026)
        fixed = {date(year, m, d) for m, d in FIXED_HOLIDAYS}
        off = {d for d in _days(year) if _weekend(d) or d in fixed}
        return Year(year, PROVISIONAL, frozenset(off))


def year(number: int) -> Year:
    _fresh()
    found = _years.get(number)
    if found is None:
        found = _years[number] = _load(number)
    return found


def is_workday(day: date) -> bool:
    return day not in year(day.year).off


def add_workdays(start: date, days: int) -> date:
    """The ``days``-th working day after ``start`` (``start`` itself does not count)."""
    day = start
    while days > 0:
        day += timedelta(days=1)
        if is_workday(day):
            days -= 1
    return day


def last_workday(on: date) -> date:
    """``on`` if it is a working day, else the working day before it."""
    while not is_workday(on):
        on -= timedelta(days=1)
    return on


def workdays_left(due: date, on: date | None = None) -> int:
    """Signed working days from ``on`` (today) to ``due``: the working days after ``on`` up to ``due``
    (0 on the due day), or minus the working days after ``due`` up to ``on`` once one has passed."""
    on = on or today()
    _fresh()
    found = _left.get((due, on))
    if found is None:
        low, high, sign = (on, due, 1) if due >= on else (due, on, -1)
        count, day = 0, low
        while day < high:
            day += timedelta(days=1)
            if is_workday(day):
                count += 1
        if len(_left) > 10_000:
            _left.clear()
        found = _left[due, on] = sign * count
    return found


def provisional_years(start: date, end: date) -> list[int]:
    """The years between two dates whose calendar is provisional (暂定)."""
    low, high = min(start, end), max(start, end)
    return [y for y in range(low.year, high.year + 1) if year(y).provisional]
