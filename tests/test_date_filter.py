"""|date (web/datefilter.py) writes exactly what Django's filter writes, on the fast path and off it."""

import datetime
import zoneinfo

import pytest
from django.template import engines
from django.template.defaultfilters import date as django_date
from django.utils import timezone

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
VALUES = [
    datetime.date(2026, 1, 5),
    datetime.date(999, 12, 31),
    datetime.datetime(2026, 11, 30, 23, 59, 7, tzinfo=datetime.UTC),  # the next day in 北京时间
    datetime.datetime(2026, 3, 1, 8, 5, 0, tzinfo=SHANGHAI),
    datetime.datetime(2026, 3, 1, 8, 5, 9),  # naive
    None,
    "",
    "2026-01-05",
    17,
]
FORMATS = ["Y-m-d", "Y-m-d H:i", "Y-m-d H:i:s", "Y年n月j日", "H:i", None]


def render(source: str, **context) -> str:
    return engines["django"].from_string(source).render(context)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_it_writes_what_djangos_filter_writes(value, fmt):
    source = "{{ v|date }}" if fmt is None else f'{{{{ v|date:"{fmt}" }}}}'
    # What Django's own filter gives for the value the template hands it (in the current time zone).
    local = (
        timezone.localtime(value)
        if isinstance(value, datetime.datetime) and timezone.is_aware(value)
        else value
    )
    try:
        expected = django_date(local, fmt)
    except TypeError:  # a time format for a plain date: Django's filter fails, and so must ours
        with pytest.raises(TypeError):
            render(source, v=value)
        return
    assert render(source, v=value) == ("" if expected is None else str(expected))


def test_an_aware_time_is_shown_in_beijing_time():
    moment = datetime.datetime(2026, 11, 30, 16, 30, tzinfo=datetime.UTC)
    assert render('{{ v|date:"Y-m-d H:i" }}', v=moment) == "2026-12-01 00:30"


def test_every_template_gets_the_fast_filter():
    from web import datefilter

    template = engines["django"].from_string('{{ v|date:"Y-m-d" }}')
    assert template.template.nodelist[0].filter_expression.filters[0][0] is datefilter.date
