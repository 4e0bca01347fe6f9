"""Every recovery now names its institution (0011 filled them): required, and indexed for its lists.

A migration of its own: PostgreSQL refuses to alter a table whose rows the same transaction has just
updated under deferred foreign-key checks."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0011_recovery_institution"),
    ]

    operations = [
        migrations.AlterField(
            model_name="recovery",
            name="institution",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="institutions.institution",
                verbose_name="注销申请机构",
            ),
        ),
        migrations.AddIndex(
            model_name="recovery",
            index=models.Index(fields=["institution", "state", "due_on", "id"], name="recovery_institution_due"),
        ),
    ]
