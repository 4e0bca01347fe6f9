"""Escaping for HTML drawn on every row of a long list, answering as Django's helpers do.

Django's ``conditional_escape`` and ``format_html`` build a ``SafeString`` per value and check every
argument for lazy strings through ``keep_lazy``; a 20-row queue's status badges and deadlines call them
a few hundred times per page. These do the same escaping on plain ``str``.
"""

import html

from django.utils.safestring import SafeString, mark_safe


def text(value) -> str:
    """``conditional_escape`` as a plain str: a safe string (anything with ``__html__``) as is, anything
    else converted to str and escaped (a number needs no escaping: the ids of a long select)."""
    if type(value) is int:
        return str(value)
    return value.__html__() if hasattr(value, "__html__") else html.escape(str(value))


def format_html(template: str, *args) -> SafeString:
    """``django.utils.html.format_html`` with positional ``{}`` fields: ``args`` escaped by ``text``."""
    return mark_safe(template.format(*map(text, args)))
