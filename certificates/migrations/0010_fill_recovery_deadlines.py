"""Due dates for the certificates already 待交回 when 办理时限 arrived: 10 working days from the 注销."""

from django.db import migrations
from django.utils import timezone


def fill(apps, schema_editor):
    from workdays import calendar

    Recovery = apps.get_model("certificates", "Recovery")
    for r in Recovery.objects.filter(state="pending").iterator():
        started = timezone.localdate(r.created_at)
        due = calendar.add_workdays(started, 10)
        Recovery.objects.filter(pk=r.pk).update(step_started_on=started, due_on=due)


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0009_recovery_deadline"),
        ("workdays", "0001_initial"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
