"""``{% url %}`` for every template, reversing each URL name once per process instead of once per link.

Django's tag runs the resolver for every link it draws: a list of 20 or 50 rows with a link each, plus
the header and the menu, spends more time reversing than rendering. This tag (installed as a template
builtin, so it replaces Django's own everywhere) reverses a name once with stand-in numbers, keeps the
result as a pattern, and fills the row's numbers in. Only the plain form with integer arguments (or none)
takes that path: keyword arguments, ``as var``, other argument types, and a name whose pattern does not
take the stand-in are left to Django's tag, so the output is always what ``reverse()`` returns.
"""

from django.template import Library
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

register = Library()

STAND_IN = 9876543210123  # no real key is this large; its digits mark where an argument goes
_patterns: dict = {}  # (name, number of arguments, current app, script prefix, urlconf) → pattern or None


def _pattern(view_name, arity: int, current_app) -> str | None:
    """The reversed URL with ``{}`` for each argument, or None when only ``reverse()`` will do."""
    key = (view_name, arity, current_app, get_script_prefix(), get_urlconf())
    try:
        return _patterns[key]
    except KeyError:
        pass
    try:
        url = reverse(view_name, args=[STAND_IN] * arity, current_app=current_app)
    except NoReverseMatch:
        url = None
    if url is not None:
        mark = str(STAND_IN)
        url = url.replace("{", "{{").replace("}", "}}")
        pattern = url.replace(mark, "{}") if url.count(mark) == arity else None
    else:
        pattern = None
    _patterns[key] = pattern
    return pattern


def _current_app(context):
    """As Django's tag finds it: the request's current app, or the namespace it was resolved in."""
    request = getattr(context, "request", None)
    try:
        return request.current_app
    except AttributeError:
        try:
            return request.resolver_match.namespace
        except AttributeError:
            return None


class RememberedURLNode(URLNode):
    def render(self, context):
        if self.kwargs or self.asvar:
            return super().render(context)
        args = [arg.resolve(context) for arg in self.args]
        if not all(type(a) is int and a >= 0 for a in args):
            return super().render(context)
        pattern = _pattern(self.view_name.resolve(context), len(args), _current_app(context))
        if pattern is None:
            return super().render(context)
        url = pattern.format(*args)
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token):
    node = django_url(parser, token)
    return RememberedURLNode(node.view_name, node.args, node.kwargs, node.asvar)
