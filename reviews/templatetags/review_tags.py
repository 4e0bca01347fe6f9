from django import template

from web.html import format_html

register = template.Library()

TRANSITION_LABELS = {
    "submit": "提交",
    "withdraw": "撤回",
    "accept": "接收",
    "refuse": "拒收",
    "approve_city": "市级审核：同意",
    "return_city": "市级审核：退回",
    "approve_province": "省级复核：同意",
    "return_province": "省级复核：退回",
    "decree": "省质监总站直接决定",
}


@register.filter
def transition_label(name: str) -> str:
    """The guide's word for a step in the history (a name not listed is shown as is)."""
    return TRANSITION_LABELS.get(name, name)


@register.filter
def with_xlsx(query) -> str:
    """The page's query string (a QueryDict) for its 导出Excel link: same filters, no page, xlsx."""
    query = query.copy()
    query.pop("page", None)
    query["format"] = "xlsx"
    return query.urlencode()


@register.simple_tag
def status_badge(value, label):
    """A status in its colour (``badge-<value>`` in app.css): cheaper than an include in long tables."""
    return format_html('<span class="badge badge-{}">{}</span>', value, label)
