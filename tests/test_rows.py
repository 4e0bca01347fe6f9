"""{% rows %} (web/rows.py): a long table's rows drawn by Jinja2 read exactly as Django's templates would
write them: links, dates, waiting times, escaping, safe tags; and label_of (web/choices.py) answers as
Django's get_<field>_display."""

import datetime
import zoneinfo

import pytest
from django.template import engines
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import mark_safe

from certificates.models import CertificateStatus, PostCertificate, PrintTask, Recovery
from institutions.models import Kind
from reviews.models import Application, State
from web import rows

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def django(source: str, **context) -> str:
    return engines["django"].from_string(source).render(context)


def jinja(source: str, **context) -> str:
    return rows.environment().from_string(source).render(context)


@pytest.mark.parametrize(
    "name, args",
    [("home", []), ("application_detail", [7]), ("person_detail", [0]), ("application_detail", [12345678])],
)
def test_url_is_djangos_reverse(name, args):
    assert rows.url(name, *args) == reverse(name, args=args)


def test_url_with_a_string_argument_is_reversed_as_django_would():
    assert rows.url("person_list", "jc") == reverse("person_list", args=["jc"])


@pytest.mark.parametrize(
    "value",
    [
        datetime.datetime(2026, 11, 30, 16, 30, tzinfo=datetime.UTC),  # 2026-12-01 00:30 in 北京时间
        datetime.datetime(2026, 3, 1, 8, 5, 9, tzinfo=SHANGHAI),
        datetime.date(2026, 1, 5),
        None,
    ],
    ids=repr,
)
@pytest.mark.parametrize("fmt", ["Y-m-d", "Y-m-d H:i", "Y-m-d H:i:s"])
def test_date_is_djangos_in_the_current_time_zone(value, fmt):
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime) and "H" in fmt:
        return  # a time format for a plain date fails in Django's filter and in this one alike
    assert jinja(f'{{{{ v|date("{fmt}") }}}}', v=value) == django(f'{{{{ v|date:"{fmt}" }}}}', v=value)


def test_an_aware_time_is_shown_in_beijing_time():
    moment = datetime.datetime(2026, 11, 30, 16, 30, tzinfo=datetime.UTC)
    assert jinja('{{ v|date("Y-m-d H:i") }}', v=moment) == "2026-12-01 00:30"


NOW = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    "since",
    [
        NOW - datetime.timedelta(minutes=3),
        NOW - datetime.timedelta(hours=5, minutes=1),
        NOW - datetime.timedelta(days=1),
        NOW - datetime.timedelta(days=17, hours=2),
        NOW - datetime.timedelta(days=400),
        NOW + datetime.timedelta(days=1),  # in the future: "0 分钟"
        None,
    ],
    ids=repr,
)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_timesince_is_djangos_in_the_active_language(since, language):
    with translation.override(language):
        expected = django("{{ v|timesince:now }}", v=since, now=NOW)
        assert jinja("{{ v|timesince(now) }}", v=since, now=NOW) == expected
    assert expected or since is None


def test_timesince_words_follow_the_language_switch():
    since = NOW - datetime.timedelta(days=2)
    with translation.override("en"):
        english = jinja("{{ v|timesince(now) }}", v=since, now=NOW)
    with translation.override("zh-hans"):
        chinese = jinja("{{ v|timesince(now) }}", v=since, now=NOW)
    assert english != chinese
    assert "2" in english and "2" in chinese


def test_values_are_escaped_and_safe_html_is_kept():
    out = jinja(
        "{{ name }}|{{ badge }}", name="<b>王</b>&", badge=mark_safe('<span class="badge">待审核</span>')
    )
    assert out == '&lt;b&gt;王&lt;/b&gt;&amp;|<span class="badge">待审核</span>'


def test_a_missing_attribute_renders_as_nothing_as_in_django():
    class Row:
        receiving_institution = None

    assert jinja("[{{ r.receiving_institution.name }}]", r=Row()) == "[]"
    assert django("[{{ r.receiving_institution.name }}]", r=Row()) == "[]"


def test_the_tag_passes_only_the_named_variables(tmp_path, settings):
    (tmp_path / "_probe.jinja").write_text("{{ shown }}|{{ hidden }}")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    rows.environment.cache_clear()
    try:
        out = django('{% rows "_probe.jinja" shown=a %}', a="<甲>", hidden="乙")
    finally:
        rows.environment.cache_clear()
    assert out == "&lt;甲&gt;|"


def test_the_app_tags_are_the_ones_the_setting_names():
    env = rows.environment()
    assert env.globals["status_badge"]("pending_city", "待市级审核") == (
        '<span class="badge badge-pending_city">待市级审核</span>'
    )
    assert env.globals["deadline"](object()) == ""  # a row without a deadline: nothing


@pytest.mark.parametrize(
    "model, field, choices",
    [
        (Application, "state", State.choices),
        (PostCertificate, "kind", Kind.choices),
        (PostCertificate, "status", CertificateStatus.choices),
        (PrintTask, "state", PrintTask.State.choices),
        (Recovery, "state", Recovery.State.choices),
    ],
)
def test_label_of_answers_as_djangos_display(model, field, choices):
    method = getattr(model, f"get_{field}_display")
    assert method.__name__ == f"get_{field}_display"
    django_field = model._meta.get_field(field)
    for value, label in [*choices, ("unknown", None)]:
        row = model(**{django_field.attname: value})
        expected = label if label is not None else value
        assert method(row) == expected
        assert models_display(row, django_field) == expected


def models_display(row, field):
    """Django's own get_<field>_display, bypassing the class's."""
    return row._get_FIELD_display(field)


def test_the_tag_is_a_builtin_and_draws_the_empty_row():
    """Every template may use {% rows %} without loading it; an empty page draws the table's empty row."""
    template = engines["django"].from_string('{% rows "reviews/_queue_rows.jinja" page=page tab="waiting" %}')
    assert template.render({"page": []}).strip() == (
        '<tr><td colspan="10" class="empty">暂无待审核申请。</td></tr>'
    )


def test_none_renders_as_nothing():
    assert jinja("[{{ name }}]", name=None) == "[]"
    assert jinja('[{{ name or "—" }}]', name=None) == "[—]"
