"""The default catalogue of conduct and the default rule (credit/defaults.py); the province changes both on
its pages."""

from django.db import migrations

from credit.defaults import ensure_defaults


def seed(apps, schema_editor):
    ensure_defaults(apps.get_model("credit", "Category"), apps.get_model("credit", "Rule"))


class Migration(migrations.Migration):
    dependencies = [("credit", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
