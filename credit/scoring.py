"""信用评价: the province's rule applied to the records in force, stored per year with its reasons.

score = the rule's base − the points of the 不良 records in force + those of the 良好 ones, kept between
the rule's floor and ceiling; the grade is the highest whose lowest score it reaches (AA, A, B, else C).
An institution's score counts its own records; a person's, the records about them.
"""

from collections import defaultdict
from datetime import date

from django.db import transaction
from django.utils import timezone

from institutions.models import Institution
from personnel.models import Person

from .models import CreditRecord, CreditScore, Rule


def lines_for(records) -> list[dict]:
    return [
        {
            "record": r.pk,
            "category": r.category.name,
            "nature": r.nature,
            "points": r.signed_points,
            "conduct_date": r.conduct_date.isoformat(),
            "until": r.in_force_until.isoformat(),
        }
        for r in sorted(records, key=lambda r: (r.effective_on, r.pk))
    ]


def evaluate(records, rule: Rule) -> tuple[int, str, list[dict]]:
    """(score, grade, lines) of the records in force under ``rule``."""
    lines = lines_for(records)
    score = rule.bounded(rule.base + sum(line["points"] for line in lines))
    return score, rule.grade_for(score), lines


def _store(rule, year, records, **subject) -> CreditScore:
    score, grade, lines = evaluate(records, rule)
    row, _ = CreditScore.objects.update_or_create(
        year=year,
        **subject,
        defaults={
            "score": score,
            "grade": grade,
            "base": rule.base,
            "lines": lines,
            "computed_at": timezone.now(),
        },
    )
    return row


def recompute_for(record: CreditRecord, on: date | None = None) -> CreditScore:
    """Recompute the score of whom ``record`` is about (in the caller's transaction), under that
    subject's row lock: two records taking effect together count each other and write one row."""
    on = on or timezone.localdate()
    rule = Rule.current()
    in_force = CreditRecord.objects.in_force(on).select_related("category")
    if record.person_about_id:
        Person.objects.select_for_update().filter(pk=record.person_about_id).first()
        records = list(in_force.filter(person_about_id=record.person_about_id))
        return _store(rule, on.year, records, person_id=record.person_about_id)
    Institution.objects.select_for_update().filter(pk=record.institution_id).first()
    records = list(in_force.filter(institution_id=record.institution_id, person_about__isnull=True))
    return _store(rule, on.year, records, institution_id=record.institution_id)


@transaction.atomic
def recompute_all(on: date | None = None) -> int:
    """This year's score of every institution, and of every person with a record in force or a score
    this year: run daily, so that a record that expired no longer counts. Returns the rows written."""
    on = on or timezone.localdate()
    rule = Rule.current()
    by_institution, by_person = defaultdict(list), defaultdict(list)
    for record in CreditRecord.objects.in_force(on).select_related("category"):
        if record.person_about_id:
            by_person[record.person_about_id].append(record)
        else:
            by_institution[record.institution_id].append(record)
    written = 0
    for institution_id in Institution.objects.values_list("pk", flat=True).iterator():
        _store(rule, on.year, by_institution.get(institution_id, []), institution_id=institution_id)
        written += 1
    scored = (
        CreditScore.objects.for_year(on.year).filter(person__isnull=False).values_list("person_id", flat=True)
    )
    for person_id in set(by_person) | set(scored):
        _store(rule, on.year, by_person.get(person_id, []), person_id=person_id)
        written += 1
    return written
