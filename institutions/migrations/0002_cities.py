from django.db import migrations

CITIES = [
    ("nanjing", "南京市"),
    ("wuxi", "无锡市"),
    ("xuzhou", "徐州市"),
    ("changzhou", "常州市"),
    ("suzhou", "苏州市"),
    ("nantong", "南通市"),
    ("lianyungang", "连云港市"),
    ("huaian", "淮安市"),
    ("yancheng", "盐城市"),
    ("yangzhou", "扬州市"),
    ("zhenjiang", "镇江市"),
    ("taizhou", "泰州市"),
    ("suqian", "宿迁市"),
]


def create_cities(apps, schema_editor):
    City = apps.get_model("institutions", "City")
    for order, (code, name) in enumerate(CITIES, start=1):
        City.objects.update_or_create(code=code, defaults={"name": name, "order": order})


class Migration(migrations.Migration):
    dependencies = [("institutions", "0001_initial")]

    operations = [migrations.RunPython(create_cities, migrations.RunPython.noop)]
