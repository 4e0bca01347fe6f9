"""The aggregate queries behind the charts. Each returns the ``Cell``s of the province and of every city
in a few GROUP BY queries: only aggregated rows reach Python.

A city's figures cover what its reviewers see (``visible_to``): the applications that involve it (a
transfer between two cities counts in both), the certificates of the people of its institutions. The
province's figures count each application once.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import connections
from django.db.models import Case, Count, Exists, F, FloatField, Func, OuterRef, Subquery, When
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django_fsm_log.models import StateLog

from certificates.models import PostCertificate, Recovery
from credit.models import CreditScore, Rule
from institutions.models import Institution
from reviews.models import Application, Decision, State
from workdays.deadlines import overdue_condition

from .models import StepTime
from .percentiles import percentiles


@dataclass(frozen=True)
class Cell:
    """One figure: of the province (``city`` None) or of a city; ``row`` is empty where rows are cities."""

    city: int | None
    row: str
    column: str
    value: float


MONTHS = 12


def window_start(now: datetime | None = None) -> datetime:
    """The first moment (local time) of the month ``MONTHS - 1`` months before this one."""
    now = timezone.localtime(now)
    year, month = divmod(now.year * 12 + now.month - 1 - (MONTHS - 1), 12)
    return now.replace(year=year, month=month + 1, day=1, hour=0, minute=0, second=0, microsecond=0)


def month_keys(now: datetime | None = None) -> list[str]:
    """``2025-12`` … ``2026-11``: the months of the window, oldest first."""
    start = window_start(now)
    index = start.year * 12 + start.month - 1
    return [f"{(index + i) // 12}-{(index + i) % 12 + 1:02d}" for i in range(MONTHS)]


def _month(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m}"


# --- 每月申请数 ------------------------------------------------------------------------------------


def requests_per_month() -> list[Cell]:
    """Applications filed (drafts left out) per month of filing and process type."""
    filed = (
        Application.objects.exclude(state=State.DRAFT)
        .filter(created_at__gte=window_start())
        .annotate(month=TruncMonth("created_at"))
        .order_by()
    )
    cells = [
        Cell(None, _month(r["month"]), r["type"], r["n"])
        for r in filed.values("month", "type").annotate(n=Count("pk"))
    ]
    cells += [
        Cell(r["cities"], _month(r["month"]), r["type"], r["n"])
        for r in filed.values("cities", "month", "type").annotate(n=Count("pk"))
    ]
    return cells


# --- 当前待办 --------------------------------------------------------------------------------------

# Where an open application waits: with the receiver, a city, the province, or the filer (to correct).
WAITING = [State.PENDING_RECEIPT, State.PENDING_CITY, State.PENDING_PROVINCE, State.RETURNED]


def waiting_now() -> list[Cell]:
    """Open applications per step. A city counts those involving it; at 待市级审核 only those it has not
    yet decided on in this round (what its 待审核 queues hold), so one waiting for another city's
    decision counts there only."""
    links = Application.cities.through.objects.order_by()
    undecided = Decision.objects.filter(
        application=OuterRef("application"), city=OuterRef("city"), round=OuterRef("application__round")
    )
    at_city = (
        links.filter(application__state=State.PENDING_CITY)
        .exclude(Exists(undecided))
        .values("city")
        .annotate(n=Count("pk"))
    )
    elsewhere = (
        links.filter(application__state__in=[s for s in WAITING if s != State.PENDING_CITY])
        .values("city", "application__state")
        .annotate(n=Count("pk"))
    )
    province = (
        Application.objects.filter(state__in=WAITING).order_by().values("state").annotate(n=Count("pk"))
    )
    return [
        *(Cell(r["city"], "", State.PENDING_CITY, r["n"]) for r in at_city),
        *(Cell(r["city"], "", r["application__state"], r["n"]) for r in elsewhere),
        *(Cell(None, "", r["state"], r["n"]) for r in province),
    ]


# --- 已超期 ----------------------------------------------------------------------------------------

OVERDUE_STEPS = [State.PENDING_RECEIPT, State.PENDING_CITY, State.PENDING_PROVINCE]
RECOVERY = "recovery"


def overdue() -> list[Cell]:
    """Applications past their step's due date (已超期, ``workdays``) per step, and 证书收回 待交回 past
    theirs. A city counts as in 当前待办: those involving it, at 待市级审核 those it has not decided in
    this round (its own late ones); its 证书收回 are those of the cancellations it reviewed. The province
    counts each once."""
    links = Application.cities.through.objects.order_by()
    late = overdue_condition(prefix="application__")
    decided = Decision.objects.filter(
        application=OuterRef("application"), city=OuterRef("city"), round=OuterRef("application__round")
    )
    at_city = (
        links.filter(late, application__state=State.PENDING_CITY)
        .exclude(Exists(decided))
        .values("city")
        .annotate(n=Count("pk"))
    )
    elsewhere = (
        links.filter(late, application__state__in=[State.PENDING_RECEIPT, State.PENDING_PROVINCE])
        .values("city", "application__state")
        .annotate(n=Count("pk"))
    )
    province = (
        Application.objects.filter(overdue_condition(), state__in=OVERDUE_STEPS)
        .order_by()
        .values("state")
        .annotate(n=Count("pk"))
    )
    recoveries = Recovery.objects.filter(overdue_condition(), state=Recovery.State.PENDING).order_by()
    by_city = recoveries.values("application__cities").annotate(n=Count("pk"))
    whole = recoveries.aggregate(n=Count("pk"))["n"]
    return [
        *(Cell(r["city"], "", State.PENDING_CITY, r["n"]) for r in at_city),
        *(Cell(r["city"], "", r["application__state"], r["n"]) for r in elsewhere),
        *(Cell(None, "", r["state"], r["n"]) for r in province),
        *(Cell(r["application__cities"], "", RECOVERY, r["n"]) for r in by_city if r["application__cities"]),
        *([Cell(None, "", RECOVERY, whole)] if whole else []),
    ]


# --- 办理时长 --------------------------------------------------------------------------------------


class Days(Func):
    """``end - start`` in days, as a float, on PostgreSQL and on SQLite."""

    output_field = FloatField()

    def __init__(self, end, start):
        super().__init__(end, start)

    def as_postgresql(self, compiler, connection):
        template = "EXTRACT(EPOCH FROM (%(expressions)s))::float8 / 86400.0"
        return self.as_sql(compiler, connection, template=template, arg_joiner=" - ")

    def as_sqlite(self, compiler, connection):
        template = "(julianday(%(expressions)s))"
        return self.as_sql(compiler, connection, template=template, arg_joiner=") - julianday(")


def _step_started(state: str):
    """When the decision's application last entered ``state`` before the decision: the start of the step
    it decides (django-fsm-log's history of the application). A city's 同意 that leaves the application
    at 待市级审核 for the other city does not start that city's step again."""
    entered = StateLog.objects.filter(
        content_type=ContentType.objects.get_for_model(Application),
        object_id=OuterRef("application_id"),
        timestamp__lte=OuterRef("decided_at"),
        state=state,
    ).exclude(source_state=state)
    return Subquery(entered.order_by("-timestamp", "-pk").values("timestamp")[:1])


def time_new_decisions() -> int:
    """Time every decision not timed yet (``StepTime``), in one INSERT … SELECT: the rows never leave the
    database. Returns how many were timed."""
    untimed = Decision.objects.exclude(Exists(StepTime.objects.filter(decision=OuterRef("pk"))))
    started = Case(
        When(step=Decision.Step.CITY, then=_step_started(State.PENDING_CITY)),
        default=_step_started(State.PENDING_PROVINCE),
    )
    timed = untimed.annotate(started=started).annotate(took=Days(F("decided_at"), F("started")))
    select = timed.values_list("pk", "application_id", "step", "city_id", "decided_at", "took").order_by()
    sql, params = select.query.sql_with_params()
    connection = connections[select.db]
    columns = ", ".join(
        connection.ops.quote_name(StepTime._meta.get_field(name).column)
        for name in ("decision", "application", "step", "city", "decided_at", "days")
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {connection.ops.quote_name(StepTime._meta.db_table)} ({columns}) {sql}", params
        )
        return cursor.rowcount


FRACTIONS = [0.5, 0.9]


def durations() -> list[Cell]:
    """Days from the start of a step to each decision of it (同意 or 退回) in the window: median and
    90th percentile, and how many decisions. A city's 市级审核 is its own decisions; its 省级复核 the
    province's decisions on applications involving it."""
    time_new_decisions()
    in_window = StepTime.objects.filter(decided_at__gte=window_start())
    cells = []
    for step, by_city in ((Decision.Step.CITY, "city"), (Decision.Step.PROVINCE, "application__cities")):
        # A decision with no step before it (the province's own decree: its direct 注销, its own 信用记录)
        # took no review time: it is left out, not counted as a step of unknown length.
        times = in_window.filter(step=step, days__isnull=False)
        groups = percentiles(times.annotate(scope=F(by_city)), ["scope"], "days", FRACTIONS)
        whole = percentiles(times, [], "days", FRACTIONS)
        if whole:
            groups[(None,)] = whole[()]
        for (city,), (n, median, p90) in groups.items():
            cells += [
                Cell(city, "", f"{step}:n", n),
                Cell(city, "", f"{step}:p50", median),
                Cell(city, "", f"{step}:p90", p90),
            ]
    return cells


# --- 岗位合格证书 ----------------------------------------------------------------------------------


def certificates() -> list[Cell]:
    """Certificates per kind and status, by the city of their holder's institution (as a city's 证书信息
    list shows them); the province's are all of them."""
    groups = (
        PostCertificate.objects.order_by()
        .values("holder__institution__city", "kind", "status")
        .annotate(n=Count("pk"))
    )
    province: Counter = Counter()
    cells = []
    for r in groups:
        column = f"{r['kind']}:{r['status']}"
        province[column] += r["n"]
        if r["holder__institution__city"] is not None:
            cells.append(Cell(r["holder__institution__city"], "", column, r["n"]))
    return cells + [Cell(None, "", column, n) for column, n in province.items()]


# --- 检测机构信用等级 ---------------------------------------------------------------------------------


def grades() -> list[Cell]:
    """Institutions (not 注销) per grade of this year's 信用评价, by their city. An institution with no
    score row yet has no record counted against it: it stands at the base score's grade, as on 信用公示."""
    rule = Rule.current()
    base_grade = rule.grade_for(rule.bounded(rule.base))
    standing = Institution.objects.exclude(status=Institution.Status.CANCELLED)
    scored = (
        CreditScore.objects.for_year()
        .institutions()
        .filter(institution__in=standing)
        .order_by()
        .values("institution__city", "grade")
        .annotate(n=Count("pk"))
    )
    counts: Counter = Counter()
    for r in scored:
        counts[r["institution__city"], r["grade"]] += r["n"]
        counts[r["institution__city"], base_grade] -= r["n"]
    for r in standing.order_by().values("city").annotate(n=Count("pk")):
        counts[r["city"], base_grade] += r["n"]
    province: Counter = Counter()
    cells = []
    for (city_id, grade), n in counts.items():
        province[grade] += n
        cells.append(Cell(city_id, "", grade, n))
    return cells + [Cell(None, "", grade, n) for grade, n in province.items()]
