"""Hostile input on every URL the resolver knows, as every role: never a 500, and a refused POST saves
nothing.

The URLs come from the scope matrix's table (``tests/test_scope_matrix.py``, which fails when the
resolver knows a URL the table lacks), on its shared world.

Two sweeps, deterministic, then hypothesis on top:

- every query parameter a view reads, alone, with each value of ``ADVERSARIAL`` (a NUL byte, non-ASCII
  digits, huge, negative and zero numbers, strings longer than any column, markup, impossible dates,
  SQL-ish text, odd unicode, a forged cursor), as the first role the URL lets in; and every URL × every
  role with all the parameters at once (each another value; a NUL in each on the URL's first case);
- every form field, alone, with each value of ``ADVERSARIAL``, the other fields holding a valid form
  (``VALID``) so that the value reaches the form's own checks and the save behind them, as the first
  role the form lets in; and every URL × every role with all the fields at once. Each POST runs in a
  savepoint rolled back afterwards, so one that succeeds changes nothing for the next.

Never a 500; a NUL is always a 400 (PostgreSQL refuses NUL in text: a 500 there that SQLite would not
show); a refused POST (4xx) leaves nothing behind; whatever a POST saved fits its columns and holds no
NUL (SQLite keeps what PostgreSQL refuses with a 500).

Hypothesis then draws mixed values for a few parameters at a time, for what the lists do not foresee.
"""

import base64
import json
from datetime import date

import pytest
from django.apps import apps
from django.db import models, transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.models import AuditEvent
from filings.models import InstitutionFiling, PersonnelFiling
from institutions.models import Institution, User
from personnel.models import Person

from . import files
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
    "audit_list": ["username", "organisation", "kind", "date_from", "date_to", "address", "format", *PAGING],
    "otp_verify": ["next"],
    "notice_list": ["show", *PAGING],
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
    "login_unlock": ["username", "address"],
    "otp_reset": ["username"],
    "otp_setup": ["code"],
    "otp_verify": ["code"],
    "notice_email": ["email"],
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


CASES = [(name, case) for name, cases in TABLE.items() for case in cases]
IDS = [f"{name}[{case.id}]" if case.id else name for name, case in CASES]


def saved():
    """Everything a POST could write (the scope matrix's snapshot, and the records filings create)."""
    return _snapshot(), Person.objects.count(), Institution.objects.count(), User.objects.count()


# --- the deterministic sweeps --------------------------------------------------------------------------

# Each value tried on every parameter and field. The first ones repeat the 500s this suite has caught:
# a NUL byte (PostgreSQL refuses it in text), digits str.isdigit() accepts and int() does not, numbers
# that overflow a timedelta or an INTEGER column, page 0, a value longer than its column.
ADVERSARIAL = [
    "\x00", "²",
    "9" * 30, "1000000", "-1", "0",
    "x" * 5000, "水泥" * 80 + "｜水泥物理性能｜凝结时间",
    '"><script>alert(1)</script>', "2026-02-30", "99999-12-31",
    "' OR '1'='1' --", "\u202e\ufeff👨‍👩‍👧\u0301",
    cursor([2**70, "x", None]),
]  # fmt: skip


def _nj_jc():
    return Institution.objects.get(name="南京华宁建材检测有限公司")


def _own_person():
    """nj-jc's one person (王强, whose transfer is under way: his forms stop at that rule, after the fields')."""
    return _nj_jc().people.order_by("pk").first()


def _own_certificate():
    return _own_person().certificates.order_by("pk").first()


def _filing_base():
    institution = _nj_jc()
    q = institution.qualifications.get()
    return {
        **{f: getattr(institution, f) for f in InstitutionFiling.INFO_FIELDS},
        "qualification_number": q.number,
        "valid_from": q.valid_from.isoformat(),
        "valid_until": q.valid_until.isoformat(),
        "scope": q.scope,
        "additions": "砂石｜砂石常规检测｜颗粒级配、含泥量",
        "qualification_original": files.jpeg("正本.jpg"),
    }


def _person_base(person=None):
    return {
        "name": person.name if person else "周敏",
        "id_number": person.id_number if person else "320104199003070028",
        "gender": person.gender if person else "女",
        "birth_date": (person.birth_date if person else date(1990, 3, 7)).isoformat(),
        "education": "本科",
        "title": "工程师",
        "phone": "13800000000",
        "id_card": [files.jpeg("身份证.jpg")],
        "diploma": [files.pdf("学历.pdf")],
        "title_certificate": [files.png("职称.png")],
        "labour_contract": [files.jpeg("1.jpg")],
        "social_security": [files.pdf("社保.pdf")],
    }


# URL name → a valid form for the first role the URL lets in (built anew for each POST: files are read
# once). Actions that would end the posting client's session (a right password) are given a wrong one.
VALID = {
    "notice_email": lambda w: {"email": "office@example.cn"},
    "login": lambda w: {"username": "fuzz-nobody", "password": "Wrong#2026x"},
    "password_change": lambda w: {"old_password": "Wrong#2026x", "new_password1": "Fuzz@Jiance2026",
                                  "new_password2": "Fuzz@Jiance2026"},
    "institution_new": lambda w: {"name": "扬州恒信检测有限公司", "credit_code": "91321000MA1X000063",
                                  "city": Institution.objects.get(name="南京华宁建材检测有限公司").city_id,
                                  "username": "yz-new", "password": "Initial#2026"},
    "institution_filing": lambda w: _filing_base(),
    "person_new": lambda w: _person_base(),
    "person_change": lambda w: _person_base(Person.objects.get(pk=w.wang)),
    "person_list": lambda w: {"q": "320104199003070028"},
    "transfer_new": lambda w: {"person": _own_person().pk,
                               "receiving_institution": Institution.objects.get(name="苏州建科建材检测有限公司").pk,
                               "termination": files.jpeg("解除劳动关系证明.jpg")},
    "reissue_new": lambda w: {"certificates": [_own_certificate().pk], "reason": "证书遗失",
                              "newspaper_notice": files.jpeg("登报声明.jpg"),
                              "labour_contract": [files.jpeg("1.jpg")], "social_security": [files.pdf("社保.pdf")]},
    "cancellation_new": lambda w: {"certificates": [_own_certificate().pk], "reason": "本人离职",
                                   "holder_agrees": "yes", "certificate_scan": [files.jpeg("岗位合格证.jpg")]},
    "print_pdf": lambda w: {"ids": [w.print_task]},
    "print_mark_printed": lambda w: {"ids": [w.print_task]},
    "print_send": lambda w: {"ids": [w.print_task], "tracking_number": "SF0001"},
    "print_deliver": lambda w: {"recipient": "钱伟", "delivered_on": "2026-03-02"},
    "recovery_mail": lambda w: {"tracking_number": "SF0002"},
    "application_decide": lambda w: {"decision": "approve", "opinion": "同意"},
    "application_refuse": lambda w: {"reason": "本机构不接收"},
    "verify": lambda w: {"number": "苏JC-2019-00012", "name": "张伟"},
    "login_unlock": lambda w: {"username": "nj-jc", "address": "10.0.0.1"},
    "otp_reset": lambda w: {"username": "nj-jc"},
    "otp_setup": lambda w: {"code": "123456"},
    "otp_verify": lambda w: {"code": "123456"},
}  # fmt: skip

APP_LABELS = {"institutions", "personnel", "certificates", "filings", "reviews", "audit", "django_fsm_log"}
WRITTEN = [m for m in apps.get_models() if m._meta.app_label in APP_LABELS]


def _last_pks():
    return {m: m.objects.order_by("-pk").values_list("pk", flat=True).first() or 0 for m in WRITTEN}


def _unfit_values(last_pks) -> list[str]:
    """Text in rows written since ``last_pks`` that PostgreSQL would refuse: longer than its column, a NUL."""
    problems = []
    for model, last in last_pks.items():
        text = [f for f in model._meta.concrete_fields if isinstance(f, models.CharField | models.TextField)]
        for row in model.objects.filter(pk__gt=last).values("pk", *[f.attname for f in text]):
            for field in text:
                value = row[field.attname] or ""
                if "\x00" in value or (isinstance(field, models.CharField) and len(value) > field.max_length):
                    problems.append(f"{model.__name__}.{field.name} = {value[:40]!r}… ({len(value)})")
    return problems


REFUSED_BEFORE_THE_FORM = {403, 404, 405}


def _refused(response) -> bool:
    login = response.status_code == 302 and response["Location"].startswith(reverse("login"))
    return login or response.status_code in REFUSED_BEFORE_THE_FORM


class Sweep:
    """Requests one URL with many inputs; collects every 500 (or a refused POST that saved) to report all."""

    def __init__(self, url, world):  # noqa: F811
        self.url, self.world, self.failures = url, world, []

    def get(self, client, role, query):
        try:
            response = client.get(self.url, query)
        except Exception as e:  # the test client re-raises a view's exception: a 500
            self.failures.append(f"GET {role} {query!r:.120}: {type(e).__name__}: {e!s:.120}")
            return None
        if response.status_code >= 500:
            self.failures.append(f"GET {role} {query!r:.120}: {response.status_code}")
        elif _has_nul(query) and response.status_code != 400:
            self.failures.append(f"GET {role} {query!r:.120}: a NUL answered {response.status_code}, not 400")
        return response

    def post(self, client, role, data, last_pks):
        """POST in a savepoint rolled back afterwards; the response, or None on a 500."""
        try:
            with transaction.atomic():
                before = saved()
                response = client.post(self.url, data)
                if response.status_code >= 500:
                    self.failures.append(f"POST {role} {_shown(data)}: {response.status_code}")
                elif _has_nul(data) and response.status_code != 400:
                    self.failures.append(f"POST {role} {_shown(data)}: a NUL answered {response.status_code}")
                elif response.status_code >= 400 and saved() != before:
                    self.failures.append(
                        f"POST {role} {_shown(data)}: refused ({response.status_code}) but saved"
                    )
                checked = last_pks if response.status_code < 400 else {AuditEvent: last_pks[AuditEvent]}
                for problem in _unfit_values(checked):
                    self.failures.append(f"POST {role} {_shown(data)}: saved {problem}")
                transaction.set_rollback(True)
        except Exception as e:
            self.failures.append(f"POST {role} {_shown(data)}: {type(e).__name__}: {e!s:.120}")
            return None
        return response


def _has_nul(data) -> bool:
    """PostgreSQL refuses NUL in text (a 500 there, not on SQLite): every page answers it with a 400."""
    return any("\x00" in v for v in data.values() if isinstance(v, str))


def _shown(data) -> str:
    return repr({k: v for k, v in data.items() if isinstance(v, str | int)})[:160]


def _plain(case) -> bool:
    """A case without a query (the Excel and selection rows repeat their URL)."""
    try:
        return not case.query(None)
    except AttributeError:  # a query built from the world
        return False


# Per URL name, its first case without a query: the one swept value by value.
FIRST = {}
for _name, _case in CASES:
    if _plain(_case):
        FIRST.setdefault(_name, _case)


def _mixed(names, shift: int) -> dict:
    """Every name at once, each with another adversarial value (``shift`` rotates them)."""
    return {n: ADVERSARIAL[(i + shift) % len(ADVERSARIAL)] for i, n in enumerate(names)}


@pytest.mark.parametrize(("name", "case"), CASES, ids=IDS)
def test_it_never_fails_on_an_adversarial_value_in_any_query_parameter(as_role, world, name, case):  # noqa: F811
    """Each parameter alone with each value (a refused filter would hide what another does after it), for
    the first role the URL lets in on its first case; every role on every case also gets the parameters
    all at once, each with another value, and on the first case a NUL in each."""
    sweep = Sweep(reverse(name, kwargs=case.kwargs(world)), world)
    base, names = case.query(world), READS.get(name, QUERY_NAMES)
    swept = FIRST.get(name) is not case
    for role in ROLES:
        client = as_role(role)
        if not swept and case.expect[role] == 200:
            swept = True
            for param in names if name in READS else ["*"]:  # "*": a page that reads none gets them all
                for value in ADVERSARIAL:
                    query = dict.fromkeys(names, value) if param == "*" else {param: value}
                    sweep.get(client, role, {**base, **query})
        queries = [_mixed(names, ROLES.index(role))]
        if FIRST.get(name) is case:
            queries.append(dict.fromkeys(names, "\x00"))
        for query in queries:
            sweep.get(client, role, {**query, **base})
    assert not sweep.failures, "\n".join(sweep.failures)


# Each URL's plain cases; a URL without a form is posted to on its first case only (a page like any other).
POSTS = [
    (name, case, i)
    for (name, case), i in zip(CASES, IDS, strict=True)
    if _plain(case) and (name in FORM_FIELDS or FIRST.get(name) is case)
]


@pytest.mark.parametrize(("name", "case"), [p[:2] for p in POSTS], ids=[p[2] for p in POSTS])
def test_it_never_fails_on_an_adversarial_value_in_any_form_field_and_saves_nothing_it_refuses(
    as_role,  # noqa: F811
    world,  # noqa: F811
    name,
    case,
):
    """Each field of a form alone with each value, the others valid, by the first role the form lets in;
    every role on every case also gets the fields all at once, each with another value, and on the first
    case a NUL in each; so do the URLs without a form."""
    sweep = Sweep(reverse(name, kwargs=case.kwargs(world)), world)
    fields = FORM_FIELDS.get(name, QUERY_NAMES)
    valid = VALID.get(name, lambda w: {})
    last_pks = _last_pks()
    swept = name not in FORM_FIELDS or FIRST.get(name) is not case
    for role in ROLES:
        client = as_role(role)
        if not swept:
            first = sweep.post(client, role, valid(world), last_pks)
            if first is not None and not _refused(first):
                swept = True
                for field in fields:
                    for value in ADVERSARIAL:
                        sweep.post(client, role, {**valid(world), field: value}, last_pks)
        posts = [_mixed(fields, ROLES.index(role))]
        if FIRST.get(name) is case:
            posts.append(dict.fromkeys(fields, "\x00"))
        for data in posts:
            sweep.post(client, role, {**valid(world), **data}, last_pks)
    assert not sweep.failures, "\n".join(sweep.failures)


# --- hypothesis: mixed values, a few parameters at a time ------------------------------------------------

FUZZ = settings(
    max_examples=2,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


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
