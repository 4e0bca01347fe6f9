"""Jiangsu's 13 prefecture-level cities (省辖市), in the province's customary order."""

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


def ensure_cities(city_model) -> None:
    """Create the 13 cities if missing (used by the data migration and by seed_demo)."""
    for order, (code, name) in enumerate(CITIES, start=1):
        city_model.objects.get_or_create(code=code, defaults={"name": name, "order": order})
