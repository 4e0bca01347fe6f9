"""The province keeps the catalogue of conduct and the scoring rule: each change audited.

A change of the rule is applied to this year's stored scores at once (``recompute_all``), so that the
grades shown always follow the rule shown.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from audit.events import Kind, record

from . import scoring
from .models import Category, Rule

RULE_FIELDS = ["base", "floor", "ceiling", "grade_aa", "grade_a", "grade_b"]
CATEGORY_FIELDS = ["name", "nature", "default_points", "default_years", "active", "position"]


def _province(user) -> None:
    if not user.is_province:
        raise PermissionDenied("信用行为目录和评价规则由省质监总站维护。")


def _changes(obj, values: dict, fields) -> list[str]:
    changed = []
    for name in fields:
        before, after = getattr(obj, name), values[name]
        if before != after:
            label = obj._meta.get_field(name).verbose_name
            changed.append(f"{label}：{before} → {after}")
            setattr(obj, name, after)
    return changed


@transaction.atomic
def save_category(user, category: Category | None, values: dict, *, request=None) -> Category:
    _province(user)
    if category is None:
        category = Category.objects.create(**{k: values[k] for k in CATEGORY_FIELDS})
        detail = f"新增信用行为类别：{category}"
    else:
        category = Category.objects.select_for_update().get(pk=category.pk)
        changed = _changes(category, values, CATEGORY_FIELDS)
        if not changed:
            return category
        category.save()
        detail = f"修改信用行为类别“{category.name}”：{'；'.join(changed)}"
    record(Kind.CREDIT_SETTINGS, request=request, user=user, obj=category, detail=detail)
    return category


@transaction.atomic
def save_rule(user, values: dict, *, request=None) -> Rule:
    _province(user)
    Rule.current()
    rule = Rule.objects.select_for_update().get(pk=1)
    changed = _changes(rule, values, RULE_FIELDS)
    if not changed:
        return rule
    rule.updated_at, rule.updated_by = timezone.now(), user
    rule.save()
    record(
        Kind.CREDIT_SETTINGS,
        request=request,
        user=user,
        obj=rule,
        detail=f"修改信用评价规则：{'；'.join(changed)}",
    )
    scoring.recompute_all()
    return rule
