"""从业履历: the periods a person works at each institution, kept by the effects that move people.

Every effect that changes ``Person.institution`` calls :func:`move` in its own transaction, so the open
period (``end`` empty) is always at the person's current institution.
"""

import datetime

from django.utils import timezone

from .models import Employment, EmploymentSource, Person


def move(person: Person, institution, source: EmploymentSource, *, on: datetime.date | None = None,
         application=None) -> Employment:  # fmt: skip
    """``person`` works at ``institution`` from ``on`` (today by default): the open period ends that day
    and a new one opens. Call it inside the transaction of the effect that moves the person."""
    on = on or timezone.localdate()
    Employment.objects.filter(person=person, end__isnull=True).update(end=on)
    return Employment.objects.create(
        person=person, institution=institution, start=on, source=source, application=application
    )


def ensure_current(person: Person, source: EmploymentSource, *, start: datetime.date | None = None) -> bool:
    """Open a period at the person's institution if they have none open (loading data): True if it did."""
    if person.institution_id is None or Employment.objects.filter(person=person, end__isnull=True).exists():
        return False
    Employment.objects.create(person=person, institution_id=person.institution_id, start=start, source=source)
    return True
