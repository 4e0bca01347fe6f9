"""The province's changes to 办理时限: one function per change, atomic and audited; the due dates of the
open rows move in the same transaction (``deadlines.recompute``)."""

from django.db import transaction
from django.utils import timezone

from audit.events import Kind, record

from . import calendar, deadlines
from .models import HolidayTable, StepLimit


def _province_only(user) -> None:
    from django.core.exceptions import PermissionDenied

    if not user.is_province:
        raise PermissionDenied("只有省质监总站可以设置办理时限。")


def set_limits(user, days: dict, request=None) -> int:
    """Set each step's limit (working days); returns the number of open rows whose due date moved."""
    _province_only(user)
    with transaction.atomic():
        before = {code: deadlines.limit(code) for code in deadlines.STEPS}
        changed = {code: n for code, n in days.items() if code in deadlines.STEPS and before[code] != n}
        if not changed:
            return 0
        for code, n in changed.items():
            StepLimit.objects.update_or_create(
                step=code, defaults={"days": n, "updated_by": user, "updated_at": timezone.now()}
            )
        calendar.changed()
        moved = deadlines.recompute()
        detail = "；".join(f"{deadlines.STEPS[c].label} {before[c]}→{n} 个工作日" for c, n in changed.items())
        record(Kind.DEADLINES, request=request, user=user, detail=f"办理时限：{detail}；{moved} 件期限更新")
    return moved


def save_holiday_table(user, year: int, holidays: list, workdays: list, request=None) -> int:
    """Enter (or replace) a year's holidays and make-up working days; both empty removes the table, and
    the year goes back to the package (or to provisional). Returns the rows whose due date moved."""
    _province_only(user)
    with transaction.atomic():
        if holidays or workdays:
            HolidayTable.objects.update_or_create(
                year=year,
                defaults={
                    "holidays": [d.isoformat() for d in holidays],
                    "workdays": [d.isoformat() for d in workdays],
                    "updated_by": user,
                    "updated_at": timezone.now(),
                },
            )
            what = f"{year} 年节假日安排：放假 {len(holidays)} 天，调休上班 {len(workdays)} 天"
        else:
            HolidayTable.objects.filter(year=year).delete()
            what = f"{year} 年节假日安排：清空，恢复按国务院放假安排（或暂定）计算"
        calendar.changed()
        moved = deadlines.recompute()
        record(Kind.DEADLINES, request=request, user=user, detail=f"{what}；{moved} 件期限更新")
    return moved
