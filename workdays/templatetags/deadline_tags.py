from django import template

from web.html import format_html

register = template.Library()


@register.simple_tag
def deadline(obj):
    """剩余 N 个工作日 / 已超期 N 个工作日 for a row with a deadline; nothing without one."""
    left = getattr(obj, "days_left", None)
    if left is None:
        return ""
    if left < 0:
        css, text = "deadline overdue", f"已超期 {-left} 个工作日"
    else:
        css = "deadline soon" if left <= 2 else "deadline"
        text = f"剩余 {left} 个工作日"
    provisional = obj.deadline_provisional
    if provisional:
        years = "、".join(str(y) for y in provisional)
        return format_html(
            '<span class="{}" title="办理期限 {}；{} 年节假日未公布，暂按周末及固定节日计算">{}（暂定）</span>',
            css,
            obj.due_on.isoformat(),
            years,
            text,
        )
    return format_html('<span class="{}" title="办理期限 {}">{}</span>', css, obj.due_on.isoformat(), text)


@register.inclusion_tag("workdays/_provisional_note.html")
def provisional_note(rows):
    """Under a list: which years' deadlines are provisional (a year whose holidays are not yet known)."""
    years = sorted({y for r in rows for y in (getattr(r, "deadline_provisional", None) or [])})
    return {"years": years}
