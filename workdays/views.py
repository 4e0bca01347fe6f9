"""系统管理 → 办理时限: the province sets each step's limit and enters a year's holidays (audited)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from . import actions, calendar
from .forms import HolidayTableForm, LimitsForm
from .models import HolidayTable

FIRST_YEAR, LAST_YEAR = 2000, 2099


def _province_only(user) -> None:
    if not user.is_province:
        raise PermissionDenied("只有省质监总站可以设置办理时限。")


def _years():
    """This year, the next two, and every year with a table: what the calendar knows of each."""
    this = calendar.today().year
    numbers = sorted({this, this + 1, this + 2, *HolidayTable.objects.values_list("year", flat=True)})
    return [
        (n, calendar.SOURCE_LABELS[calendar.year(n).source], calendar.year(n).provisional) for n in numbers
    ]


def deadline_settings(request: HttpRequest) -> HttpResponse:
    _province_only(request.user)
    return _render_settings(request, LimitsForm())


def _render_settings(request, form, status=200):
    context = {"form": form, "years": _years()}
    return render(request, "workdays/settings.html", context, status=status)


@require_POST
def deadline_limits(request: HttpRequest) -> HttpResponse:
    _province_only(request.user)
    form = LimitsForm(request.POST)
    if not form.is_valid():
        return _render_settings(request, form, status=400)
    moved = actions.set_limits(request.user, form.cleaned_data, request=request)
    messages.success(request, f"办理时限已保存，{moved} 件在办事项的期限已按新时限更新。")
    return redirect("deadline_settings")


def holiday_table(request: HttpRequest, year: int) -> HttpResponse:
    _province_only(request.user)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Http404
    table = HolidayTable.objects.filter(year=year).first()
    initial = {}
    if table:
        initial = {
            "holidays": "\n".join(table.holidays),
            "workdays": "\n".join(table.workdays),
        }
    form = HolidayTableForm(request.POST or None, initial=initial, year=year)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        moved = actions.save_holiday_table(
            request.user, year, data["holidays"], data["workdays"], request=request
        )
        messages.success(request, f"{year} 年节假日安排已保存，{moved} 件在办事项的期限已更新。")
        return redirect("deadline_settings")
    context = {
        "form": form,
        "year": year,
        "table": table,
        "source": calendar.SOURCE_LABELS[calendar.year(year).source],
        "provisional": calendar.year(year).provisional,
    }
    return render(request, "workdays/holiday_table.html", context, status=400 if form.errors else 200)
