"""Each person's modules (``Person.module_jc`` / ``module_dj``) from the certificates they already hold:
a holder of a kind is in its module, someone with no certificate in both."""

from django.db import migrations
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef


def fill(apps, schema_editor):
    Person = apps.get_model("personnel", "Person")
    PostCertificate = apps.get_model("certificates", "PostCertificate")
    held = PostCertificate.objects.filter(holder=OuterRef("pk"))
    jc, dj = Exists(held.filter(kind="JC")), Exists(held.filter(kind="DJ"))
    Person.objects.update(
        module_jc=ExpressionWrapper(jc | ~dj, output_field=BooleanField()),
        module_dj=ExpressionWrapper(dj | ~jc, output_field=BooleanField()),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0013_recovery_waiting_order"),
        ("personnel", "0006_person_modules"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
