"""统计分析: the dashboard of the province or a city, and each chart's table as .xlsx."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from web.exports import xlsx_response

from . import dashboard
from .charts import CHARTS


def dashboard_page(request: HttpRequest) -> HttpResponse:
    """统计分析 (also shown on the home page of the province and of each city)."""
    dashboard.check(request.user)
    scope = "全省" if request.user.is_province else request.user.city.name
    return render(
        request, "stats/dashboard.html", {"scope": scope, "dashboard": dashboard.html_for(request.user)}
    )


def export(request: HttpRequest, chart: str) -> HttpResponse:
    """One chart's table, as the dashboard shows it to this user, in a workbook."""
    dashboard.check(request.user)
    if chart not in CHARTS:
        raise Http404("没有这个图表。")
    board = dashboard.for_user(request.user, [CHARTS[chart]])
    (table,) = board.tables
    return xlsx_response(f"{table.chart.title}-{board.scope}", table.headers(), table.export_rows())
