"""Every URL of the app, requested (GET) as every persona and anonymous (STYLE rules 3 and 8).

The table names every URL the resolver knows; ``test_it_covers_every_url_the_resolver_knows`` fails
when a page is added without a row here, so no new page escapes the scope check.

Expectations: anonymous → login (public pages opt out); outside scope → 404; inside scope without the
right → 403; POST-only actions → 405 to every logged-in user; allowed → 200.

The persons and objects are built once per module inside a transaction that is rolled back when the
module ends (each test runs in its own savepoint on top of it), so ~350 requests take a few seconds.
"""

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLResolver, get_resolver, reverse
from django_fsm_log.models import StateLog

from institutions.models import MODULE_SLUGS, Institution, User
from personnel.models import Person
from reviews.models import Attachment, CityApproval, Request, RequestType, State

from . import workflow

ANONYMOUS = "anonymous"
REVIEWERS = ("province", "nanjing", "suzhou", "wuxi")
INSTITUTIONS = ("nj-jc", "sz-jc", "nj-dual", "sz-dj")
ROLES = (ANONYMOUS, *REVIEWERS, *INSTITUTIONS)

LOGIN = "→ login"  # 302 to the login page, with ?next= the requested path
HOME = "→ home"  # 302 to the landing page

MODULES = ("jc", "dj")
# What each institution holds (DEMO.md): a module page of a kind it does not hold is outside its scope.
HOLDS = {"nj-jc": {"jc"}, "sz-jc": {"jc"}, "nj-dual": {"jc", "dj"}, "sz-dj": {"dj"}}
# The transfer built below: filed by nj-jc (南京) for 王强 to sz-jc (苏州); wuxi is not involved.
SEES_TRANSFER = {"province", "nanjing", "suzhou", "nj-jc", "sz-jc"}


@dataclass(frozen=True)
class World:
    transfer: int
    attachment: int
    wang: int  # 王强, at 南京华宁建材 (nj-jc)
    yang: int  # 杨帆, at 苏州岩土地基 (sz-dj)
    nj_jc: int
    sz_dj: int
    media: Path


@dataclass(frozen=True)
class Case:
    id: str
    kwargs: Callable[[World], dict]
    expect: dict  # role → status code, LOGIN or HOME


def everyone(status) -> dict:
    return dict.fromkeys(ROLES, status)


def signed_in(status=200) -> dict:
    return {ANONYMOUS: LOGIN, **dict.fromkeys(REVIEWERS + INSTITUTIONS, status)}


def only(allowed, denied=403) -> dict:
    """Logged-in roles in ``allowed`` get 200, the others ``denied``."""
    return {ANONYMOUS: LOGIN, **{r: 200 if r in allowed else denied for r in REVIEWERS + INSTITUTIONS}}


def module_page(slug) -> dict:
    """A page under /m/<slug>/: every reviewer; an institution only if it holds that kind."""
    return only(set(REVIEWERS) | {i for i in INSTITUTIONS if slug in HOLDS[i]}, denied=404)


def no_args(_world) -> dict:
    return {}


def pk(field) -> Callable[[World], dict]:
    return lambda world: {"pk": getattr(world, field)}


def per_module(expect: Callable[[str], dict]) -> list[Case]:
    return [Case(slug, lambda _w, slug=slug: {"module": slug}, expect(slug)) for slug in MODULES]


def post_only(field) -> list[Case]:
    return [Case("GET", pk(field), signed_in(405))]


def queues() -> list[Case]:
    cases = [
        Case(f"{slug}-{t}", lambda _w, slug=slug, t=t: {"module": slug, "type": t}, only(REVIEWERS))
        for slug in MODULES
        for t in RequestType.values
    ]
    # An unknown type is a missing page for reviewers; institutions are refused before the lookup.
    unknown = {ANONYMOUS: LOGIN, **dict.fromkeys(REVIEWERS, 404), **dict.fromkeys(INSTITUTIONS, 403)}
    cases.append(Case("jc-unknown", lambda _w: {"module": "jc", "type": "nosuchtype"}, unknown))
    return cases


CHANGE_PAGES = only(INSTITUTIONS)

TABLE: dict[str, list[Case]] = {
    "home": [Case("", no_args, signed_in())],
    "login": [Case("", no_args, {ANONYMOUS: 200, **dict.fromkeys(REVIEWERS + INSTITUTIONS, HOME)})],
    "logout": [Case("GET", no_args, signed_in(405))],
    "password_change": [Case("", no_args, signed_in())],
    "announcement_list": [Case("", no_args, everyone(200))],
    "institution_info": per_module(module_page),
    "institution_detail": [
        Case("nj-jc", pk("nj_jc"), only({"province", "nanjing", "nj-jc"}, denied=404)),
        Case("sz-dj", pk("sz_dj"), only({"province", "suzhou", "sz-dj"}, denied=404)),
    ],
    "person_list": per_module(module_page),
    "person_detail": [
        Case("wang-qiang", pk("wang"), only({"province", "nanjing", "nj-jc"}, denied=404)),
        Case("yang-fan", pk("yang"), only({"province", "suzhou", "sz-dj"}, denied=404)),
    ],
    "transfer_list": [Case("", no_args, CHANGE_PAGES)],
    "transfer_new": [Case("", no_args, CHANGE_PAGES)],
    "reissue_list": [Case("", no_args, CHANGE_PAGES)],
    "cancellation_list": [Case("", no_args, CHANGE_PAGES)],
    "review_queue": queues(),
    "request_detail": [Case("transfer", pk("transfer"), only(SEES_TRANSFER, denied=404))],
    "request_decide": post_only("transfer"),
    "request_withdraw": post_only("transfer"),
    "request_accept": post_only("transfer"),
    "request_refuse": post_only("transfer"),
    "request_resubmit": post_only("transfer"),
    "attachment_download": [Case("termination", pk("attachment"), only(SEES_TRANSFER, denied=404))],
}

MATRIX = [(name, case, role) for name, cases in TABLE.items() for case in cases for role in ROLES]
MATRIX_IDS = [f"{name}[{case.id}]-{role}" if case.id else f"{name}-{role}" for name, case, role in MATRIX]


def _url_names(patterns, namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            inner = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _url_names(p.url_patterns, inner)
        else:
            yield f"{namespace}{p.name}" if p.name else f"<unnamed: {p.pattern}>"


# --- the shared world --------------------------------------------------------------------------------


def _storage(media: Path) -> dict:
    from django.conf import settings

    return {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": media}},
    }


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Demo data + one transfer (nj-jc files 王强 → 苏州建科建材, 待接收), rolled back after the module."""
    media = tmp_path_factory.mktemp("matrix-media")
    fast = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        MEDIA_ROOT=media,
        STORAGES=_storage(media),
    )
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with fast:
                call_command("seed_demo", stdout=io.StringIO())
                filer = Client()
                filer.force_login(User.objects.get(username="nj-jc"))
                transfer = workflow.file_transfer(filer, "王强", "苏州建科建材检测有限公司")
                built = World(
                    transfer=transfer.pk,
                    attachment=Attachment.objects.get(request=transfer).pk,
                    wang=Person.objects.get(name="王强").pk,
                    yang=Person.objects.get(name="杨帆").pk,
                    nj_jc=Institution.objects.get(name="南京华宁建材检测有限公司").pk,
                    sz_dj=Institution.objects.get(name="苏州岩土地基检测有限公司").pk,
                    media=media,
                )
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield built
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def as_role(world, db, settings, _media):
    """as_role("nanjing") → a client of that persona (anonymous: a bare client), on the shared world."""
    settings.MEDIA_ROOT = world.media
    settings.STORAGES = _storage(world.media)

    def _client(role: str) -> Client:
        client = Client()
        if role != ANONYMOUS:
            client.force_login(User.objects.get(username=role))
        return client

    return _client


# --- the matrix ------------------------------------------------------------------------------------


def test_it_covers_every_url_the_resolver_knows():
    names = set(_url_names(get_resolver().url_patterns))
    assert not names - TABLE.keys(), f"URLs missing from the scope matrix: {sorted(names - TABLE.keys())}"
    assert not TABLE.keys() - names, (
        f"matrix rows for URLs that no longer exist: {sorted(TABLE.keys() - names)}"
    )


def test_it_has_a_row_for_every_module_and_review_type():
    assert set(MODULES) == set(MODULE_SLUGS)
    queue_ids = {case.id for case in TABLE["review_queue"]}
    assert {f"{m}-{t}" for m in MODULES for t in RequestType.values} <= queue_ids


@pytest.mark.parametrize(("name", "case", "role"), MATRIX, ids=MATRIX_IDS)
def test_it_answers_each_role_as_the_scope_table_says(as_role, world, name, case, role):
    url = reverse(name, kwargs=case.kwargs(world))
    response = as_role(role).get(url)
    expected = case.expect[role]
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next={quote(url)}"
    elif expected == HOME:
        assert response.status_code == 302
        assert response["Location"] == reverse("home")
    else:
        assert response.status_code == expected
        if expected == 404:
            assert "不在您的管理范围内" in response.content.decode()


# --- the permission ladder of the actions (POST) ----------------------------------------------------

DECIDE = ("request_decide", {"decision": "approve", "opinion": "同意"})
ACCEPT = ("request_accept", {})
REFUSE = ("request_refuse", {"reason": "本机构不接收"})
WITHDRAW = ("request_withdraw", {})
RESUBMIT = ("request_resubmit", {})

# (action, role, status, text the user sees). The transfer is 待接收 throughout.
LADDER = [
    (DECIDE, ANONYMOUS, LOGIN, None),
    (DECIDE, "nj-jc", 403, "您无权执行此操作"),  # the filer is no reviewer
    (DECIDE, "sz-jc", 403, "您无权执行此操作"),
    (DECIDE, "wuxi", 404, "不在您的管理范围内"),  # a city not involved in this transfer
    (DECIDE, "nj-dual", 404, "不在您的管理范围内"),
    (DECIDE, "nanjing", 409, "已被处理"),  # involved, but the receiver has not accepted yet
    (DECIDE, "suzhou", 409, "已被处理"),
    (DECIDE, "province", 409, "已被处理"),
    (ACCEPT, ANONYMOUS, LOGIN, None),
    (ACCEPT, "nj-jc", 403, "您无权执行此操作"),  # only the receiving institution accepts
    (ACCEPT, "nanjing", 403, "您无权执行此操作"),
    (ACCEPT, "sz-dj", 404, "不在您的管理范围内"),
    (ACCEPT, "wuxi", 404, "不在您的管理范围内"),
    (ACCEPT, "sz-jc", 400, "请上传劳动合同"),  # the receiver, without its scans
    (REFUSE, ANONYMOUS, LOGIN, None),
    (REFUSE, "nj-jc", 403, "您无权执行此操作"),
    (REFUSE, "suzhou", 403, "您无权执行此操作"),
    (REFUSE, "nj-dual", 404, "不在您的管理范围内"),
    (WITHDRAW, ANONYMOUS, LOGIN, None),
    (WITHDRAW, "sz-jc", 403, "您无权执行此操作"),  # only the filer withdraws
    (WITHDRAW, "nanjing", 403, "您无权执行此操作"),
    (WITHDRAW, "wuxi", 404, "不在您的管理范围内"),
    (RESUBMIT, ANONYMOUS, LOGIN, None),
    (RESUBMIT, "sz-jc", 403, "您无权执行此操作"),
    (RESUBMIT, "sz-dj", 404, "不在您的管理范围内"),
    (RESUBMIT, "nj-jc", 409, "已被处理"),  # the filer, but nothing was returned
]


def _snapshot(pk: int):
    request = Request.objects.get(pk=pk)
    return (
        request.state,
        request.round,
        StateLog.objects.count(),
        CityApproval.objects.count(),
        sorted(Attachment.objects.values_list("pk", flat=True)),
    )


@pytest.mark.parametrize(
    ("action", "role", "status", "text"),
    LADDER,
    ids=[f"{action[0]}-{role}" for action, role, _s, _t in LADDER],
)
def test_it_refuses_each_rung_of_the_ladder_and_changes_nothing(as_role, world, action, role, status, text):
    name, data = action
    url = reverse(name, args=[world.transfer])
    before = _snapshot(world.transfer)
    response = as_role(role).post(url, data)
    if status == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(f"{reverse('login')}?next=")
    else:
        assert response.status_code == status
        assert text in response.content.decode()
    assert _snapshot(world.transfer) == before
    assert Request.objects.get(pk=world.transfer).state == State.PENDING_RECEIPT


def test_it_lets_the_right_role_act_and_records_it(as_role, world):
    """The top of the ladder: the receiver refuses with a reason → 已拒收 and one history row."""
    logs = StateLog.objects.count()
    response = as_role("sz-jc").post(reverse("request_refuse", args=[world.transfer]), {"reason": "编制已满"})
    assert response.status_code == 302
    request = Request.objects.get(pk=world.transfer)
    assert request.state == State.REFUSED
    assert StateLog.objects.count() == logs + 1
    page = as_role("nj-jc").get(reverse("request_detail", args=[world.transfer])).content.decode()
    assert "已拒收" in page and "编制已满" in page
