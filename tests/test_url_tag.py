"""{% url %} (web/urltag.py) draws exactly what reverse() returns, on the fast path and off it."""

import pytest
from django.template import engines
from django.urls import NoReverseMatch, reverse


def render(source: str, **context) -> str:
    return engines["django"].from_string(source).render(context)


@pytest.mark.parametrize(
    ("source", "context", "expected"),
    [
        ("{% url 'home' %}", {}, reverse("home")),
        ("{% url 'application_detail' pk %}", {"pk": 7}, reverse("application_detail", args=[7])),
        ("{% url 'application_detail' pk %}", {"pk": 0}, reverse("application_detail", args=[0])),
        ("{% url 'person_list' 'jc' %}", {}, reverse("person_list", args=["jc"])),
        (
            "{% url 'review_queue' 'dj' kind %}",
            {"kind": "transfer"},
            reverse("review_queue", args=["dj", "transfer"]),
        ),
        ("{% url 'application_detail' pk=9 %}", {}, reverse("application_detail", kwargs={"pk": 9})),
        (
            "{% url 'application_detail' pk as link %}[{{ link }}]",
            {"pk": 3},
            f"[{reverse('application_detail', args=[3])}]",
        ),
    ],
)
def test_it_draws_what_reverse_returns(source, context, expected):
    assert render(source, **context) == expected
    assert render(source, **context) == expected  # the second time from the remembered pattern


def test_each_number_goes_in_its_own_place():
    first = render("{% url 'application_detail' a %}", a=12)
    second = render("{% url 'application_detail' a %}", a=345)
    assert (first, second) == (
        reverse("application_detail", args=[12]),
        reverse("application_detail", args=[345]),
    )


def test_a_name_that_does_not_reverse_fails_as_with_django():
    with pytest.raises(NoReverseMatch):
        render("{% url 'application_detail' 'x' %}")
    with pytest.raises(NoReverseMatch):
        render("{% url 'no_such_page' 1 %}")
    assert render("{% url 'no_such_page' 1 as link %}[{{ link }}]") == "[]"


def test_every_template_gets_the_remembering_tag():
    from web.urltag import RememberedURLNode

    template = engines["django"].from_string("{% url 'home' %}")
    assert any(isinstance(node, RememberedURLNode) for node in template.template.nodelist)
