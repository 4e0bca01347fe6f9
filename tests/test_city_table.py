"""``institutions.cities``: the 13 cities' names and order read once per process, for pages that would
otherwise join them; a city's e-mail (the one field it changes) is never taken from that table."""

import re

import pytest
from django.urls import reverse

from institutions import cities
from institutions.models import City, User
from notices.actions import set_email

from .workflow import approve_everywhere, file_cancellation

pytestmark = pytest.mark.django_db


def test_it_builds_each_city_as_the_database_holds_it(django_assert_num_queries):
    stored = list(City.objects.order_by("pk"))
    with django_assert_num_queries(1):
        built = [cities.city(c.pk) for c in stored]
    with django_assert_num_queries(0):
        built += [cities.city(c.pk) for c in stored]
    assert [(c.pk, c.code, c.name, c.order) for c in built] == [
        (c.pk, c.code, c.name, c.order) for c in stored
    ] * 2
    assert [cities.name_of(c.pk) for c in stored] == [c.name for c in stored]
    assert cities.order_of(stored[0].pk) == stored[0].order


def test_a_city_built_from_the_table_reads_its_e_mail_from_the_database(demo, django_assert_num_queries):
    nanjing = City.objects.get(code="nanjing")
    cities.city(nanjing.pk)  # the table is read
    set_email(User.objects.get(username="nanjing"), "jsj@nanjing.example.cn")
    built = cities.city(nanjing.pk)
    with django_assert_num_queries(1):
        assert built.email == "jsj@nanjing.example.cn"


def test_it_reads_the_table_again_for_a_city_it_does_not_know():
    known = City.objects.get(code="nanjing")
    cities.city(known.pk)
    added = City.objects.create(code="test-city", name="测试市", order=99)
    assert cities.name_of(added.pk) == "测试市"
    with pytest.raises(KeyError):
        cities.name_of(added.pk + 1000)


def test_the_request_page_names_every_city_without_joining_them(login):
    cancellation = file_cancellation(login("sz-jc"), ["苏JC-2021-00056"])
    approve_everywhere(login, cancellation, ["suzhou"])
    html = login("province").get(reverse("application_detail", args=[cancellation.pk])).content.decode()
    assert "苏州建科建材检测有限公司（苏州市）" in html
    assert "市级初审（苏州市）" in html and "苏州市建设行政主管部门（suzhou）" in html


def test_the_filters_offer_the_cities_in_the_provinces_order(login):
    assert [c.name for c in cities.ordered()] == list(
        City.objects.order_by("order").values_list("name", flat=True)
    )
    url = reverse("review_queue", args=["jc", "transfer"])
    for account, expected in (("province", [c.name for c in cities.ordered()]), ("suzhou", ["苏州市"])):
        page = login(account).get(url).content.decode()
        select = page.split('<select name="city">', 1)[1].split("</select>", 1)[0]
        assert re.findall(r'<option value="\d+" >([^<]+)</option>', select) == expected
