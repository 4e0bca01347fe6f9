"""The dashboard's charts, each one small declaration: its query, its columns and rows, how it is drawn.

A chart's ``compute`` runs the aggregate queries (``stats.queries``) and returns the ``Cell``s of the
province and of every city; the refresh stores them (``stats.summary``), the dashboard draws the user's
scope from them as an SVG chart with its table beside it, and the export writes that table to .xlsx.
Adding a chart is one ``register(Chart(...))`` here and its query.

Rows are either the chart's own (``rows``: the months) or, when ``rows`` is None, the cities: each city
in the province's table, plus the province as a whole (全省), and its own row in a city's.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from certificates.models import CertificateStatus
from credit.models import Grade
from institutions.models import Kind
from reviews import processes
from reviews.models import Decision, State

from . import queries


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    stack: str = ""  # columns drawn with the same stack pile up; others stand beside them
    plotted: bool = True  # False: in the table only (a count beside durations)


@dataclass(frozen=True)
class Chart:
    slug: str
    title: str
    note: str  # what is counted, under the title
    columns: Callable[[], list[Column]]
    compute: Callable[[], list[queries.Cell]]
    rows: Callable[[datetime], list[tuple[str, str]]] | None = None  # (key, label) as of the refresh
    row_heading: str = "市"
    unit: str = "件"
    digits: int = 0
    additive: bool = True  # counts: a 合计 column, 0 where nothing was found; else "—"
    horizontal: bool = True


CHARTS: dict[str, Chart] = {}


def register(chart: Chart) -> Chart:
    CHARTS[chart.slug] = chart
    return chart


def _process_columns() -> list[Column]:
    return [Column(p.type, p.label, stack="all") for p in processes.all_processes()]


def _months(as_of: datetime) -> list[tuple[str, str]]:
    return [(key, key) for key in queries.month_keys(as_of)]


register(
    Chart(
        "requests",
        "每月申请数（按业务类型）",
        "近 12 个月按提交月份统计的申请（不含草稿）；跨市的人员变更调离计入所涉各市。",
        _process_columns,
        queries.requests_per_month,
        rows=_months,
        row_heading="月份",
        horizontal=False,
    )
)

WAITING_LABELS = {
    State.PENDING_RECEIPT: "待调入机构接收",
    State.PENDING_CITY: "待市级审核",
    State.PENDING_PROVINCE: "待省级复核",
    State.RETURNED: "已退回待更正",
}

register(
    Chart(
        "waiting",
        "当前待办（按环节、按市）",
        "未办结的申请所在的环节；待市级审核按尚未作出审核结论的市计。跨市的申请在所涉各市分别计入，全省按申请计。",
        lambda: [Column(state, label, stack="all") for state, label in WAITING_LABELS.items()],
        queries.waiting_now,
    )
)

OVERDUE_LABELS = {
    State.PENDING_RECEIPT: "待接收",
    State.PENDING_CITY: "待市级审核",
    State.PENDING_PROVINCE: "待省级复核",
    queries.RECOVERY: "证书收回（待交回）",
}

register(
    Chart(
        "overdue",
        "已超期（按环节、按市）",
        "超过办理时限（工作日）仍未办结的申请和待交回的证书收回；待市级审核按尚未作出审核结论的市计。"
        "跨市的申请在所涉各市分别计入，全省按件计。",
        lambda: [Column(key, label, stack="all") for key, label in OVERDUE_LABELS.items()],
        queries.overdue,
    )
)

STEPS = {Decision.Step.CITY: "市级审核", Decision.Step.PROVINCE: "省级复核"}
PERCENTILES = {"p50": "中位数", "p90": "90%分位"}


def _duration_columns() -> list[Column]:
    """Median and 90th percentile of each step, side by side; the number of decisions in the table."""
    plotted = [
        Column(f"{step}:{p}", f"{label}{name}", stack=f"{step}:{p}")
        for step, label in STEPS.items()
        for p, name in PERCENTILES.items()
    ]
    return plotted + [Column(f"{step}:n", f"{label}结论数", plotted=False) for step, label in STEPS.items()]


register(
    Chart(
        "durations",
        "各环节办理时长（天）",
        "近 12 个月作出的审核结论（同意或退回）：市级审核自申请进入待市级审核（提交或调入机构接收）起，"
        "省级复核自进入待省级复核起，至作出结论。按市：市级审核为该市的结论，省级复核为涉及该市的申请。",
        _duration_columns,
        queries.durations,
        unit="天",
        digits=1,
        additive=False,
    )
)

register(
    Chart(
        "certificates",
        "岗位合格证书（按状态、类别、按市）",
        "按持证人所在检测机构的市统计。",
        lambda: [
            Column(f"{kind}:{status}", f"{kind.label}·{status.label}", stack=kind)
            for kind in (Kind.JC, Kind.DJ)
            for status in CertificateStatus
        ],
        queries.certificates,
    )
)

register(
    Chart(
        "grades",
        "检测机构信用等级（按市）",
        "本年度信用评价：按检测机构所在市统计（不含已注销的机构）；尚无信用记录的机构为基础分对应的等级。",
        lambda: [Column(grade, f"{grade}级", stack="all") for grade in Grade.values],
        queries.grades,
        unit="家",
    )
)
