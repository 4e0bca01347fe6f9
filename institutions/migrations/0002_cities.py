from django.db import migrations

from institutions.cities import ensure_cities


def create_cities(apps, schema_editor):
    ensure_cities(apps.get_model("institutions", "City"))


class Migration(migrations.Migration):
    dependencies = [("institutions", "0001_initial")]

    operations = [migrations.RunPython(create_cities, migrations.RunPython.noop)]
