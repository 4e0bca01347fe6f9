"""What the request page predicts and records, as the demo roles see it: the before → after table of each
of the guide's four transfer cases, 本人是否同意注销 as filed, and where each new paper is printed for."""

import re

import pytest
from django.urls import reverse

from institutions.models import City
from reviews.models import State

from .workflow import accept, approve_everywhere, decide, file_cancellation, file_reissue, file_transfer

pytestmark = pytest.mark.django_db

NJ = "南京市建设工程质量检测中心"
WX = "无锡市建设工程质量检测中心"
SZ_JC = "苏州建科建材检测有限公司"

ROW = re.compile(
    r'<tr data-kind="\w+">\s*<td>[^<]*</td><td>(?P<number>[^<]+)</td>\s*'
    r'<td><span class="badge badge-(?P<before>\w+)">[^<]*</span> (?P<before_at>[^<]*?) 第\d+版</td>\s*'
    r'<td class="arrow">→</td>\s*'
    r'<td><span class="badge badge-(?P<after>\w+)">(?P<after_label>[^<]*)</span> (?P<after_at>[^<]*?) 第\d+版</td>'
)


def prediction(client, application) -> dict:
    """{number: (status before, institution before, status after, its label, institution after)} from the
    page's 证书变化 table (and nothing else on the page)."""
    page = client.get(reverse("application_detail", args=[application.pk])).content.decode()
    table = page.split('id="certificate-changes"', 1)[1].split("</table>", 1)[0]
    return {
        m["number"]: (m["before"], m["before_at"], m["after"], m["after_label"], m["after_at"])
        for m in ROW.finditer(table)
    }


CASES = [
    # (person, from, to account, to institution, cities, {number: expected after approval})
    (
        "王强", "nj-jc", "sz-jc", SZ_JC, ["nanjing", "suzhou"],
        {"苏JC-2018-00231": ("normal", "南京华宁建材检测有限公司", "no_credit_file", "无信用档案", SZ_JC)},
    ),
    (
        "刘洋", "sz-jc", "wx-dual", WX, ["suzhou", "wuxi"],
        {"苏JC-2021-00056": ("normal", SZ_JC, "no_credit_file", "无信用档案", WX)},
    ),
    (
        "张伟", "nj-dual", "wx-dual", WX, ["nanjing", "wuxi"],
        {
            "苏JC-2019-00012": ("normal", NJ, "no_credit_file", "无信用档案", WX),
            "苏DJ-2019-00012": ("normal", NJ, "no_credit_file", "无信用档案", WX),
        },
    ),
    (
        "陈静", "wx-dual", "sz-jc", SZ_JC, ["wuxi", "suzhou"],
        {
            "苏JC-2017-00310": ("normal", WX, "no_credit_file", "无信用档案", SZ_JC),
            "苏DJ-2017-00310": ("normal", WX, "detached", "调离", ""),
        },
    ),
]  # fmt: skip


@pytest.mark.parametrize(("person", "sender", "receiver", "to", "cities", "expected"), CASES)
def test_the_page_predicts_each_certificates_outcome_and_then_shows_it(
    login, person, sender, receiver, to, cities, expected
):
    application = file_transfer(login(sender), person, to)
    accept(login(receiver), application)
    for city in cities:
        decide(login(city), application)
    application.refresh_from_db()
    assert application.state == State.PENDING_PROVINCE
    page = login("province").get(reverse("application_detail", args=[application.pk])).content.decode()
    assert "证书变化（预计）" in page
    assert prediction(login("province"), application) == expected
    assert prediction(login(sender), application) == expected
    decide(login("province"), application)
    assert (
        "证书变化（已生效）"
        in login("province").get(reverse("application_detail", args=[application.pk])).content.decode()
    )
    assert prediction(login("province"), application) == expected


@pytest.mark.parametrize(("agrees", "shown"), [("yes", "是"), ("no", "否")])
def test_the_page_shows_whether_the_holder_agrees_as_filed(login, agrees, shown):
    application = file_cancellation(login("nj-jc"), ["苏JC-2018-00231"], agrees=agrees)
    for account in ("nj-jc", "nanjing"):
        page = login(account).get(reverse("application_detail", args=[application.pk])).content.decode()
        assert re.search(r"<th>本人是否同意注销</th><td>(.)</td>", page)[1] == shown


def queue_numbers(client, city_name) -> str:
    city = City.objects.get(name=city_name)
    page = client.get(reverse("print_queue"), {"city": city.pk}).content.decode()
    return page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]


def test_a_transfer_prints_for_the_receiving_city(login):
    application = file_transfer(login("nj-jc"), "王强", SZ_JC)
    accept(login("sz-jc"), application)
    approve_everywhere(login, application, ["nanjing", "suzhou"])
    province = login("province")
    assert "苏JC-2018-00231" in queue_numbers(province, "苏州市")
    assert "苏JC-2018-00231" not in queue_numbers(province, "南京市")


def test_a_reissue_prints_for_the_institutions_city(login):
    """苏州建科's person, moved there from 南京: the 补证 is printed for 苏州, the institution's city."""
    moved = file_transfer(login("nj-jc"), "王强", SZ_JC)
    accept(login("sz-jc"), moved)
    approve_everywhere(login, moved, ["nanjing", "suzhou"])
    reissue = file_reissue(login("sz-jc"), ["苏JC-2018-00231"])
    approve_everywhere(login, reissue, ["suzhou"])
    province = login("province")
    suzhou = queue_numbers(province, "苏州市")
    assert "第2版" in suzhou and "苏JC-2018-00231" in suzhou
    assert "苏JC-2018-00231" not in queue_numbers(province, "南京市")


def people_queries(client, application) -> tuple[bool, int]:
    """(whether the page links the person's 信用档案, how many queries it ran on people by themselves)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("application_detail", args=[application.pk])
    client.get(url)  # the menu and counts are kept after the first page
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(url).content.decode()
    return 'id="subject"' in page, sum('FROM "personnel_person"' in q["sql"] for q in ctx.captured_queries)


def test_the_page_links_the_person_by_the_people_rule_without_asking_when_they_work_for_a_party(login):
    application = file_transfer(login("nj-jc"), "王强", SZ_JC)
    # 王强 works for the filer (南京): its city and the province see him, the receiver not yet.
    expected = {"nj-jc": True, "sz-jc": False, "nanjing": True, "suzhou": False, "province": True}
    for account, linked in expected.items():
        assert people_queries(login(account), application) == (linked, 0), account


def test_the_page_asks_the_people_rule_when_the_person_has_moved_on(login):
    """A 补证 of 王强 at 南京华宁, then his transfer to 苏州: the old request's page no longer links him for
    南京 or his former institution, which learn it from the people's own rule."""
    reissue = file_reissue(login("nj-jc"), ["苏JC-2018-00231"])
    approve_everywhere(login, reissue, ["nanjing"])
    assert people_queries(login("nanjing"), reissue) == (True, 0)
    moved = file_transfer(login("nj-jc"), "王强", SZ_JC)
    accept(login("sz-jc"), moved)
    approve_everywhere(login, moved, ["nanjing", "suzhou"])
    assert people_queries(login("nanjing"), reissue) == (False, 1)
    assert people_queries(login("nj-jc"), reissue) == (False, 1)
    assert people_queries(login("province"), reissue) == (True, 0)


def test_a_persons_own_rule_agrees_with_the_people_lists_for_every_demo_login(demo):
    from institutions.models import User
    from personnel.models import Person

    Person.objects.filter(name="孙丽").update(institution=None)  # one person with no employer
    people = list(Person.objects.select_related("institution"))
    for user in User.objects.all():
        visible = set(Person.objects.visible_to(user).values_list("pk", flat=True))
        for person in people:
            assert person.visible_with(person.institution, user) == (person.pk in visible), (user, person)
