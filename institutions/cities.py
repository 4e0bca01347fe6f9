"""Jiangsu's 13 prefecture-level cities (省辖市), in the province's customary order."""

from functools import cache

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


# --- The cities as pages show them, without a join ---------------------------------------------------
# A city's code, name and order are written by the migration above and never changed by the application
# (a city edits only its e-mail). Joined into a page's queries, the city of each institution, reviewer
# and decision cost more to plan and to build than the page's own rows; these read them from a table
# loaded once per process instead.


@cache
def _table() -> dict[int, tuple[str, str, int]]:
    from .models import City

    return {
        pk: (code, name, order)
        for pk, code, name, order in City.objects.values_list("pk", "code", "name", "order")
    }


def _row(city_id: int) -> tuple[str, str, int]:
    row = _table().get(city_id)
    if row is None:  # a city this process has not read yet (a test database created them anew)
        forget()
        row = _table()[city_id]
    return row


def city(city_id: int):
    """The ``City`` of that id, built without a query: code, name and order from the table; its e-mail
    is left deferred, so reading it asks the database (it is the one field a city changes)."""
    from .models import City

    code, name, order = _row(city_id)
    return City.from_db("default", ["id", "code", "name", "order"], [city_id, code, name, order])


def name_of(city_id: int) -> str:
    return _row(city_id)[1]


def order_of(city_id: int) -> int:
    return _row(city_id)[2]


def ordered() -> list:
    """Every city, built from the table, in the province's order (a filter's choices)."""
    return [city(pk) for pk, _ in sorted(_table().items(), key=lambda item: (item[1][2], item[0]))]


def attach(obj, field: str = "city") -> None:
    """Sets ``obj.<field>`` (a ``City`` foreign key, by its ``<field>_id``) from the table: what
    ``select_related`` would have joined."""
    city_id = getattr(obj, f"{field}_id")
    if city_id is not None:
        setattr(obj, field, city(city_id))


def forget() -> None:
    """Drop the table (tests: each test database creates the cities anew)."""
    _table.cache_clear()
