"""从业履历 for the people already in the system, from their approved applications.

Each approved 人员变更调离 ends the period at the filer and opens one at the receiver; each approved 人员备案
of someone new (or of someone taken on from a closed institution) opens one at the filer; both on the day
of approval. A transfer's first period, at the filer, has no known start. Whoever has no such history gets
one open period at their current institution, start unknown (no record says when they joined it).
"""

from django.db import migrations
from django.utils import timezone


def backfill(apps, schema_editor):
    Person = apps.get_model("personnel", "Person")
    Employment = apps.get_model("personnel", "Employment")
    Application = apps.get_model("reviews", "Application")
    PersonnelFiling = apps.get_model("filings", "PersonnelFiling")
    if Employment.objects.exists():
        return
    new_person_filings = set(
        PersonnelFiling.objects.filter(state="approved", before__isnull=True).values_list("pk", flat=True)
    )
    moves = (
        Application.objects.filter(
            state="approved", person__isnull=False, type__in=["transfer", "personnel_filing"]
        )
        .order_by("person_id", "closed_at", "pk")
        .values("pk", "type", "person_id", "institution_id", "receiving_institution_id", "closed_at")
    )
    history: dict[int, list] = {}
    for move in moves:
        if move["type"] == "personnel_filing" and move["pk"] not in new_person_filings:
            continue  # a change of details moves no one
        periods = history.setdefault(move["person_id"], [])
        on = timezone.localdate(move["closed_at"]) if move["closed_at"] else None
        if move["type"] == "transfer":
            if not periods:
                periods.append(Employment(institution_id=move["institution_id"], source="legacy"))
            destination, source = move["receiving_institution_id"], "transfer"
        else:
            destination, source = move["institution_id"], "filing"
        if periods:
            periods[-1].end = on
        periods.append(
            Employment(institution_id=destination, start=on, source=source, application_id=move["pk"])
        )
    rows = []
    for person_id, institution_id in Person.objects.values_list("pk", "institution_id"):
        periods = history.get(person_id, [])
        if institution_id is not None and (not periods or periods[-1].institution_id != institution_id):
            if periods:  # moved by something this history does not know: the last known period ends
                periods[-1].end = periods[-1].start
            periods.append(Employment(institution_id=institution_id, source="legacy"))
        for period in periods:
            period.person_id = person_id
        rows += periods
    Employment.objects.bulk_create(rows, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("personnel", "0003_employment"),
        ("filings", "0003_capability_change_removal"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
