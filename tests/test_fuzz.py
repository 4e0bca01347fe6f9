"""Hostile input on every URL the resolver knows, as every role: never a 500, and a refused POST saves
nothing.

The URLs come from the scope matrix's table (``tests/test_scope_matrix.py``, which fails when the
resolver knows a URL the table lacks), on its shared world. Each URL is requested with generated query
parameters (the names the views read) and posted with generated values for its form's fields: NUL
bytes, huge and negative numbers, non-ASCII digits, very long strings, odd unicode, forged cursors,
mixed with plausible values so that some forms get far enough to reach the database.
"""

import base64
import json

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from filings.models import InstitutionFiling, PersonnelFiling
from institutions.models import Institution, User
from personnel.models import Person

from .test_scope_matrix import ROLES, TABLE, _snapshot, as_role, world  # noqa: F401

# The query parameters each list view reads (web/filters.py forms, pagination, export); other URLs get
# all of them.
PAGING = ["page", "after", "before"]
READS = {
    "announcement_list": ["q", "format", *PAGING],
    "verify": ["number", "name"],
    "institution_info": ["q", *PAGING],
    "person_list": ["q", "id", "format", *PAGING],
    "certificate_list": ["q", "status", "format", *PAGING],
    "transfer_list": ["q", *PAGING],
    "reissue_list": ["q", *PAGING],
    "cancellation_list": ["q", *PAGING],
    "print_queue": ["q", "state", "city", *PAGING],
    "print_pdf": ["ids"],
    "delivery_list": ["state", *PAGING],
    "recovery_list": ["state", *PAGING],
    "review_queue": ["tab", "city", "age", "format", *PAGING],
    "attachment_download": ["download"],
    "login": ["next"],
    "account_list": ["q", "role", "city", "status", "format", *PAGING],
}
QUERY_NAMES = sorted({name for names in READS.values() for name in names})

# The fields of each URL's form; a URL without a form is posted the query names.
FORM_FIELDS = {
    "login": ["username", "password"],
    "password_change": ["old_password", "new_password1", "new_password2"],
    "institution_new": ["name", "credit_code", "city", "username", "password"],
    "institution_filing": [
        *InstitutionFiling.INFO_FIELDS,
        *InstitutionFiling.QUALIFICATION_FIELDS,
        "additions",
    ],
    "person_new": PersonnelFiling.FIELDS,
    "person_change": PersonnelFiling.FIELDS,
    "person_list": ["q"],
    "transfer_new": ["person", "receiving_institution"],
    "reissue_new": ["certificates", "reason"],
    "cancellation_new": ["certificates", "reason", "holder_agrees"],
    "print_pdf": ["ids"],
    "print_mark_printed": ["ids"],
    "print_send": ["ids", "tracking_number"],
    "print_deliver": ["recipient", "delivered_on"],
    "recovery_mail": ["tracking_number"],
    "application_decide": ["decision", "opinion"],
    "application_refuse": ["reason"],
    "verify": ["number", "name"],
    "account_new": ["role", "city", "institution", "username", "full_name", "phone", "password"],
    "account_detail": ["full_name", "phone"],
}

# Numbers that str.isdigit() accepts and int(), timedelta or the database do not, and their kin.
NUMBERS = ["²", "٣", "１２", "1000000", "9" * 30, "99999999999", "-1", "0", "1e309", "NaN", "Infinity"]
SPECIAL = ["\x00", "a\x00b", "%00", "\u202e", "\ufeff", "👨‍👩‍👧", "\u0301", "'; --", "<script>", "..%2f", " "]
PLAUSIBLE = ["1", "2", "3", "7", "approve", "return", "yes", "xlsx", "done", "sent", "delivered", "pending",
             "normal", "2026-03-02", "320104199003070028", "32050619900723002X", "周敏", "男",
             "苏JC-2019-00012", "张伟", "水泥｜水泥物理性能｜凝结时间"]  # fmt: skip


def cursor(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


cursor_values = st.lists(
    st.one_of(st.integers(-(2**70), 2**70), st.floats(), st.text(max_size=20), st.booleans()), max_size=4
)
text = st.text(st.characters(codec="utf-8"), max_size=40)
long_text = st.builds(lambda c, n: c * n, st.characters(codec="utf-8"), st.integers(100, 3000))
value = st.one_of(
    st.sampled_from(NUMBERS),
    st.sampled_from(NUMBERS),  # twice: the likeliest to break a view that reads a number by hand
    st.integers(-(2**70), 2**70).map(str),
    st.sampled_from(SPECIAL),
    st.sampled_from(PLAUSIBLE),
    text,
    long_text,
    cursor_values.map(cursor),
)
values = st.one_of(value, st.lists(value, min_size=2, max_size=3))


def data_for(names):
    """A few of ``names`` at a time: one refused filter must not hide what another would do."""
    return st.dictionaries(st.sampled_from(names), values, min_size=1, max_size=2)


FUZZ = settings(
    max_examples=8,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)

CASES = [(name, case) for name, cases in TABLE.items() for case in cases]
IDS = [f"{name}[{case.id}]" if case.id else name for name, case in CASES]


def saved():
    """Everything a POST could write (the scope matrix's snapshot, and the records filings create)."""
    return _snapshot(), Person.objects.count(), Institution.objects.count(), User.objects.count()


@pytest.mark.parametrize(("name", "case"), CASES, ids=IDS)
@FUZZ
@given(role=st.sampled_from(ROLES), data=st.data())
def test_it_never_fails_on_a_hostile_query(as_role, world, name, case, role, data):  # noqa: F811
    query = data.draw(data_for(READS.get(name, QUERY_NAMES)), label="query")
    response = as_role(role).get(reverse(name, kwargs=case.kwargs(world)), query)
    assert response.status_code < 500


@pytest.mark.parametrize(("name", "case"), CASES, ids=IDS)
@FUZZ
@given(role=st.sampled_from(ROLES), data=st.data())
def test_it_never_fails_on_a_hostile_post_and_a_refused_one_saves_nothing(
    as_role,  # noqa: F811
    world,  # noqa: F811
    name,
    case,
    role,
    data,
):
    fields = data.draw(data_for(FORM_FIELDS.get(name, QUERY_NAMES)), label="fields")
    before = saved()
    response = as_role(role).post(reverse(name, kwargs=case.kwargs(world)), fields)
    assert response.status_code < 500
    if response.status_code >= 400:
        assert saved() == before
