"""办理时限: the due date of a tracked row's current step, kept in an indexed column.

A model that has deadlines inherits ``Deadline`` (two columns: the day its current step started and
its due date) and its queryset ``DeadlineQuerySet``, then declares which of its states are steps with a
time limit (``track``, from its ``AppConfig.ready()``). From then on:

- the transition that enters such a state sets both columns (``post_transition``, before the action
  saves the row: the same transaction); a row created in such a state gets them when it is first saved;
  a transition to any other state clears them; a transition that stays in its state keeps them (one
  city's 同意 while another city still reviews);
- ``days_left`` / ``overdue`` on a row, ``overdue()`` / ``due_soon(n)`` / ``by_deadline(value)`` on a
  queryset: one comparison on the indexed due date, with the bound computed in Python from the calendar;
- when the province changes a limit or a year's holidays, ``recompute`` moves the due dates of the open
  rows: one UPDATE per (step, start day, old due date) group whose due date changes.
"""

import operator
from dataclasses import dataclass
from datetime import date
from functools import reduce

from django.db import models
from django.db.models import Case, Q, Value, When
from django.db.models.signals import pre_save
from django_fsm.signals import post_transition

from . import calendar

CHUNK = 200  # groups per UPDATE in ``recompute``
SOON_DAYS = 2  # 即将到期: due within this many working days
DEADLINE_FILTERS = [("overdue", "已超期"), ("soon", f"即将到期（≤{SOON_DAYS}个工作日）")]


@dataclass(frozen=True)
class Step:
    """A step with a time limit: who acts, and the limit when the province has not set one."""

    code: str
    label: str
    default_days: int


STEPS: dict[str, Step] = {}
TRACKED: dict[type, tuple[str, dict]] = {}  # model → (state field, {state: step code})


def declare(step: Step) -> Step:
    STEPS[step.code] = step
    return step


def limit(code: str) -> int:
    """The step's limit in working days, as the province set it, else its default."""
    return calendar.limits().get(code, STEPS[code].default_days)


def track(model, steps: dict, field: str = "state") -> None:
    """``model``'s rows (and its children's: a process's row is a child of ``Application``) in each state
    of ``steps`` (state → step code) have a deadline."""
    TRACKED[model] = (field, {str(state): code for state, code in steps.items()})
    post_transition.connect(_on_transition, dispatch_uid="workdays.deadlines.transition")
    pre_save.connect(_on_create, dispatch_uid="workdays.deadlines.create")


def _tracking(obj):
    for cls in type(obj).__mro__:
        if cls in TRACKED:
            return TRACKED[cls]
    return None


def step_of(obj) -> str | None:
    """The step ``obj`` is in (its limit's code), or None: not tracked, or in a state without a limit."""
    tracking = _tracking(obj)
    if tracking is None:
        return None
    field, steps = tracking
    return steps.get(str(getattr(obj, field)))


def start(obj, code: str, on: date | None = None) -> None:
    on = on or calendar.today()
    obj.step_started_on = on
    obj.due_on = calendar.add_workdays(on, limit(code))


def _on_transition(sender, instance, name, source, target, **kwargs):
    if _tracking(instance) is None:
        return
    code = step_of(instance)
    if code is None:
        instance.step_started_on = instance.due_on = None
    elif str(source) != str(target) or instance.due_on is None:
        start(instance, code)


def _on_create(sender, instance, raw=False, **kwargs):
    if raw or _tracking(instance) is None or not instance._state.adding or instance.due_on is not None:
        return
    code = step_of(instance)
    if code is not None:
        start(instance, code)


def recompute() -> int:
    """After a change of a limit or of a year's holidays: move the due dates of every open row. Returns
    the number of rows moved.

    The groups of open rows (same state, start day and due date: a few hundred at most) are read in one
    query; the due dates that change are written by one UPDATE per ``CHUNK`` groups, each a single pass
    over the open rows with a CASE, so the cost does not grow with the number of groups."""
    moved = 0
    for model, (field, steps) in TRACKED.items():
        groups = (
            model._base_manager.filter(**{f"{field}__in": list(steps)}, step_started_on__isnull=False)
            .values_list(field, "step_started_on", "due_on")
            .distinct()
        )
        changes = []
        for state, started, due in list(groups):
            new = calendar.add_workdays(started, limit(steps[state]))
            if new != due:
                changes.append((Q(**{field: state}, step_started_on=started, due_on=due), new))
        for i in range(0, len(changes), CHUNK):
            chunk = changes[i : i + CHUNK]
            rows = model._base_manager.filter(reduce(operator.or_, (condition for condition, _ in chunk)))
            moved += rows.update(due_on=Case(*(When(condition, then=Value(new)) for condition, new in chunk)))
    return moved


def overdue_condition(on: date | None = None, prefix: str = "") -> Q:
    """已超期 as a condition (for an aggregate's ``filter``): a working day has passed since the due date.
    ``prefix`` reaches the row through a relation (``"application__"`` from a row that points to it)."""
    return Q(**{f"{prefix}due_on__lt": calendar.last_workday(on or calendar.today())})


class DeadlineQuerySet(models.QuerySet):
    def overdue(self, on: date | None = None):
        """Past the due date by at least one working day (已超期)."""
        return self.filter(overdue_condition(on))

    def due_soon(self, days: int = SOON_DAYS, on: date | None = None):
        """Not overdue, due within ``days`` working days (即将到期; 0 is the due day itself)."""
        on = on or calendar.today()
        return self.filter(due_on__gte=calendar.last_workday(on), due_on__lte=calendar.add_workdays(on, days))

    def by_deadline(self, value: str):
        """A list's 办理时限 filter: ``overdue``, ``soon`` or '' (all)."""
        if value == "overdue":
            return self.overdue()
        if value == "soon":
            return self.due_soon()
        return self


class DueDate:
    """``days_left`` / ``overdue`` / ``deadline_provisional`` from ``due_on`` and ``step_started_on``: for
    the model below and for a list's plain row that carries the two values (``reviews.models.ApplicationRow``)."""

    due_on: date | None
    step_started_on: date | None

    @property
    def days_left(self) -> int | None:
        """Signed working days to the due date (negative: overdue by that many); None without one."""
        return None if self.due_on is None else calendar.workdays_left(self.due_on)

    @property
    def overdue(self) -> bool:
        left = self.days_left
        return left is not None and left < 0

    @property
    def deadline_provisional(self) -> list[int]:
        """The years of a provisional calendar (暂定) this deadline was counted or is shown across."""
        if self.due_on is None:
            return []
        return calendar.provisional_years(
            self.step_started_on or self.due_on, max(self.due_on, calendar.today())
        )


class Deadline(DueDate, models.Model):
    step_started_on = models.DateField("本环节开始日期", null=True, blank=True, editable=False)
    due_on = models.DateField(
        "办理期限", null=True, blank=True, editable=False, help_text="本环节应在此日（含）之前办结"
    )

    class Meta:
        abstract = True
