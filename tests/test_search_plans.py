"""Searches are answered from an index, not by reading every person or certificate.

On PostgreSQL every plan node that reads a big table must find its rows by an "Index Cond" (a full
walk of an index with only a "Filter" does not count; sequential scans are switched off so that the tiny
test tables do not tempt the planner). On SQLite (the embedded default) the plan must SEARCH the table
through an index, never SCAN it.
"""

import re
from datetime import date

import pytest
from django.db import connection

from certificates.models import PostCertificate
from institutions.models import Institution, User
from personnel.models import Person

pytestmark = pytest.mark.django_db

BIG_TABLES = ("personnel_person", "certificates_postcertificate")


def plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Fresh statistics: without them the planner guesses the demo tables' sizes, and its choice
            # between two usable indexes changes from run to run.
            cursor.execute("ANALYZE")
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(" ".join(str(c) for c in row) for row in cursor.fetchall())


def indent(line: str) -> int:
    return len(line) - len(line.lstrip(" ->"))


def assert_served_by_an_index(queryset):
    text = plan(queryset)
    lines = text.splitlines()
    tables = "|".join(BIG_TABLES)
    for i, line in enumerate(lines):
        if connection.vendor != "postgresql":
            assert not re.search(rf"\bSCAN ({tables})\b", line), text
            continue
        if not re.search(rf"Scan .*\bon ({tables})\b", line):
            continue
        subtree = []  # the node's details and children (a bitmap heap scan's index scan)
        for following in lines[i + 1 :]:
            if indent(following) <= indent(line):
                break
            subtree.append(following)
        assert any("Index Cond" in d for d in subtree), text


def people(query, account="province"):
    user = User.objects.get(username=account)
    return Person.objects.visible_to(user).search(query).order_by("name", "pk")[:20]


@pytest.mark.parametrize(
    "query",
    ["320102198503120012", "32050619900723002x", "苏JC-2019-00012", "苏JC-2019", "张伟", "张"],
    ids=["id-number", "id-number-lower-x", "certificate-number", "certificate-prefix", "name", "surname"],
)
def test_it_searches_people_through_an_index(demo, query):
    assert_served_by_an_index(people(query))
    assert people(query).exists()


def test_it_searches_certificates_through_an_index(demo):
    province = User.objects.get(username="province")
    certificates = PostCertificate.objects.visible_to(province).filter(kind="JC")
    assert_served_by_an_index(certificates.search("苏JC-2019").order_by("number", "pk")[:20])
    assert certificates.search("苏JC-2019").exists()


def test_it_notices_a_search_that_no_index_serves(demo):
    """The check itself: a substring of a name is not indexed, and the plan says so."""
    with pytest.raises(AssertionError):
        assert_served_by_an_index(Person.objects.filter(name__contains="伟"))


@pytest.fixture
def crowd(demo):
    """On PostgreSQL, 3,000 张 with a certificate each at another institution: enough that reading the
    province's names would cost. At the demo's few people every index costs the same and the planner's
    choice between them is a coin toss."""
    if connection.vendor != "postgresql":
        return
    elsewhere = Institution.objects.get(name="无锡市建设工程质量检测中心")
    crowd = Person.objects.bulk_create(
        Person(name=f"张{n:04d}", id_number=f"9{n:017d}", gender=Person.Gender.MALE, birth_date=date(1990, 1, 1),
               institution=elsewhere)
        for n in range(3000)
    )  # fmt: skip
    PostCertificate.objects.bulk_create(
        PostCertificate(kind="JC", number=f"苏JC-2040-{n:05d}", holder=p, institution=elsewhere, status="normal",
                        issued_on=date(2040, 1, 1))
        for n, p in enumerate(crowd)
    )  # fmt: skip


def test_an_institution_searches_its_own_people_by_name(crowd):
    """An institution's name search reads its own people starting with the text, not every person of
    that name in the province (their number grows with the province; the institution's does not)."""
    query = people("张", account="nj-dual")
    assert_served_by_an_index(query)
    if connection.vendor == "postgresql":
        text = plan(query)
        # Led by the institution (its own name-prefix index, or its people's index when they are few).
        assert re.search(r"Index Cond: \(+institution_id = \d+\)", text), text
        assert not re.search(r"\bperson_name_prefix\b", text), text
    assert query.exists()


@pytest.mark.parametrize("form_name", ["TransferForm", "ReissueForm", "CancellationForm"])
@pytest.mark.parametrize("query", ["", "张", "苏JC-2019", "320102198503120012"])
def test_a_filing_form_finds_its_first_choices_through_the_institutions_people(crowd, form_name, query):
    """添加变更 / 添加补办 / 添加注销 offer the first SHOWN of the institution's people or certificates in
    name order: the query is led by the institution, so it reads its own people in order and stops,
    instead of walking the province's names (0.4 s at 1,000,000 people) or sorting all its own."""
    from certificates import forms
    from certificates.forms import SHOWN

    institution = User.objects.get(username="nj-dual").institution
    form = getattr(forms, form_name)(institution=institution)
    field = form.fields["person" if form_name == "TransferForm" else "certificates"]
    first = field.queryset.search(query)[: SHOWN + 1]
    assert_served_by_an_index(first)
    if connection.vendor == "postgresql":
        text = plan(first)
        if not any(ch.isdigit() for ch in query):  # a number is found by its own index
            # The institution's people are read by the institution (one of its indexes on people).
            assert re.search(r"on personnel_person\b.*\n\s*Index Cond: \(+institution_id = \d+\)", text), text
        assert not re.search(r"\bperson_name(_prefix)?\b", text), text
