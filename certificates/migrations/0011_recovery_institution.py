"""Recovery.institution: the cancelling institution, copied from each recovery's application."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill(apps, schema_editor):
    Application = apps.get_model("reviews", "Application")
    Recovery = apps.get_model("certificates", "Recovery")
    filer = Application.objects.filter(pk=OuterRef("application_id")).values("institution_id")[:1]
    Recovery.objects.update(institution_id=Subquery(filer))


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0010_fill_recovery_deadlines"),
        ("institutions", "0007_organisation_email"),
    ]

    operations = [
        migrations.AddField(
            model_name="recovery",
            name="institution",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="institutions.institution",
                verbose_name="注销申请机构",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
