"""Due dates for the applications already waiting when 办理时限 arrived: each step counted from the day
it started (待接收 and 待市级审核: the submission; 待省级复核: the last city's decision of the round), with
the default limits."""

from django.db import migrations
from django.utils import timezone

LIMITS = {"pending_receipt": 10, "pending_city": 5, "pending_province": 10}


def fill(apps, schema_editor):
    from workdays import calendar

    Application = apps.get_model("reviews", "Application")
    Decision = apps.get_model("reviews", "Decision")
    for a in Application.objects.filter(state__in=list(LIMITS)).iterator():
        started = a.submitted_at or a.created_at
        if a.state == "pending_province":
            last = Decision.objects.filter(application=a, round=a.round).order_by("-decided_at").first()
            started = last.decided_at if last else started
        a.step_started_on = timezone.localdate(started)
        a.due_on = calendar.add_workdays(a.step_started_on, LIMITS[a.state])
        Application.objects.filter(pk=a.pk).update(step_started_on=a.step_started_on, due_on=a.due_on)


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0007_application_deadline"),
        ("workdays", "0001_initial"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
