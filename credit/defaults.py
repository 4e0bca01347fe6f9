"""The default catalogue of conduct and the default rule, as the province starts with them.

Installed by the data migration ``0002_default_catalogue``; ``seed_demo`` installs them again on a
flushed test database (like the cities), never changing what the province has edited.
"""

CATEGORIES = [
    # (name, nature, default points, default years)
    ("出具虚假检测报告", "bad", 30, 3),
    ("篡改检测数据", "bad", 30, 3),
    ("超资质范围检测", "bad", 15, 2),
    ("无证上岗", "bad", 10, 2),
    ("未按标准规范进行检测", "bad", 10, 1),
    ("未按规定进行见证取样", "bad", 5, 1),
    ("拒绝或阻碍监督检查", "bad", 10, 1),
    ("表彰奖励", "good", 5, 1),
    ("参与标准编制或科研成果", "good", 3, 1),
]

RULE = {"base": 100, "floor": 0, "ceiling": 110, "grade_aa": 100, "grade_a": 85, "grade_b": 70}


def ensure_defaults(category_model, rule_model) -> None:
    """Create the default categories and rule where missing (models passed in: a migration's too)."""
    for position, (name, nature, points, years) in enumerate(CATEGORIES, start=1):
        category_model.objects.get_or_create(
            name=name,
            defaults={
                "nature": nature,
                "default_points": points,
                "default_years": years,
                "position": position,
            },
        )
    rule_model.objects.get_or_create(pk=1, defaults=RULE)
