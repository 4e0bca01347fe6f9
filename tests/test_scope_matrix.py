"""Every URL of the app, requested (GET) as every persona and anonymous (STYLE rules 3 and 8).

The table names every URL the resolver knows; ``test_it_covers_every_url_the_resolver_knows`` fails
when a page is added without a row here, so no new page escapes the scope check.

Expectations: anonymous → login (public pages opt out); outside scope → 404; inside scope without the
right → 403; POST-only actions → 405 to every logged-in user; allowed → 200.

The persons and objects are built once per module inside a transaction that is rolled back when the
module ends (each test runs in its own savepoint on top of it), so ~640 requests take about 10 s.
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

from certificates.models import PrintTask, Recovery
from certificates.verification import token_for
from institutions.models import Institution, User
from institutions.modules import MODULE_SLUGS
from personnel.models import Person
from reviews import processes
from reviews.models import Application, Attachment, Decision, State
from stats.charts import CHARTS

from . import workflow

ANONYMOUS = "anonymous"
CITIES = ("nanjing", "suzhou", "wuxi")
REVIEWERS = ("province", *CITIES)
INSTITUTIONS = ("nj-jc", "sz-jc", "nj-dual", "sz-dj")
ROLES = (ANONYMOUS, *REVIEWERS, *INSTITUTIONS)

MODULES = ("jc", "dj")
# What each institution holds (docs/demo-data.md): a module page of a kind it does not hold is outside its scope.
HOLDS = {"nj-jc": {"jc"}, "sz-jc": {"jc"}, "nj-dual": {"jc", "dj"}, "sz-dj": {"dj"}}
# The transfer built below: filed by nj-jc (南京) for 王强 to sz-jc (苏州); wuxi is not involved.
SEES_TRANSFER = {"province", "nanjing", "suzhou", "nj-jc", "sz-jc"}


@dataclass(frozen=True)
class World:
    transfer: int  # 王强, nj-jc → 苏州建科建材, 待接收
    attachment: int  # its 解除劳动关系证明
    wang: int  # 王强, at 南京华宁建材 (nj-jc)
    yang: int  # 杨帆, at 苏州岩土地基 (sz-dj)
    nj_jc: int
    sz_dj: int
    print_task: int  # 刘洋's certificate after sz-jc → 无锡中心 was approved: 待打印, for 无锡
    recovery: int  # 杨帆's 地基 certificate after sz-dj's cancellation was approved: 待交回
    token: str  # the QR token of 张伟's 建材 certificate, edition 1
    zhang_jc: int  # 张伟's 建材 certificate (南京市建设工程质量检测中心, nj-dual), 正常
    media: Path
    job: int = 0  # a finished export of the province's, with its file
    credit_record: int = 0  # the province's 不良 record about 南京华宁建材 (nj-jc), in force
    credit_score: int = 0  # 南京华宁建材's score this year
    category: int = 0  # 出具虚假检测报告 in the catalogue


@dataclass(frozen=True)
class Redirect:
    to: str  # URL name


LOGIN = Redirect("login")  # with ?next= the requested path
HOME = Redirect("home")


@dataclass(frozen=True)
class Case:
    id: str
    kwargs: Callable[[World], dict]
    expect: dict  # role → status code or Redirect
    query: Callable[[World], dict] = lambda _world: {}


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


def filing_page(slug) -> dict:
    """An institution's own filing page under /m/<slug>/: reviewers are refused; a kind not held is 404."""
    return {
        ANONYMOUS: LOGIN,
        **dict.fromkeys(REVIEWERS, 403),
        **{i: 200 if slug in HOLDS[i] else 404 for i in INSTITUTIONS},
    }


def kind_filing_page(slug) -> dict:
    """机构备案 under /m/<slug>/: every institution (one without that kind applies for it: 增项 of a kind)."""
    return {ANONYMOUS: LOGIN, **dict.fromkeys(REVIEWERS, 403), **dict.fromkeys(INSTITUTIONS, 200)}


def own_person(institution: str, city: str) -> dict:
    """A person's change page: only their institution files; reviewers in scope are refused; others 404."""
    expect = only({institution}, denied=404)
    return {**expect, "province": 403, city: 403}


def no_args(_world) -> dict:
    return {}


def pk(field) -> Callable[[World], dict]:
    return lambda world: {"pk": getattr(world, field)}


def per_module(expect: Callable[[str], dict], xlsx: bool = False) -> list[Case]:
    """One case per module (and, for a list with Excel export, the export too: same scope)."""
    cases = [Case(slug, lambda _w, slug=slug: {"module": slug}, expect(slug)) for slug in MODULES]
    if xlsx:
        cases += [Case(f"{c.id}-xlsx", c.kwargs, c.expect, query=lambda _w: XLSX) for c in cases]
    return cases


def post_only(field=None) -> list[Case]:
    """An action: GET is 405 for everyone logged in, before any lookup (require_POST comes first)."""
    return [Case("GET", pk(field) if field else no_args, signed_in(405))]


def queues() -> list[Case]:
    cases = [
        Case(f"{slug}-{t}", lambda _w, slug=slug, t=t: {"module": slug, "type": t}, only(REVIEWERS))
        for slug in MODULES
        for t in [t for t, _ in processes.type_choices()]
    ]
    transfers = {"module": "jc", "type": "transfer"}
    cases.append(Case("jc-transfer-xlsx", lambda _w: transfers, only(REVIEWERS), query=lambda _w: XLSX))
    # An unknown type is a missing page for reviewers; institutions are refused before the lookup.
    unknown = {ANONYMOUS: LOGIN, **dict.fromkeys(REVIEWERS, 404), **dict.fromkeys(INSTITUTIONS, 403)}
    cases.append(Case("jc-unknown", lambda _w: {"module": "jc", "type": "nosuchtype"}, unknown))
    return cases


CHANGE_PAGES = only(INSTITUTIONS)
XLSX = {"format": "xlsx"}

TABLE: dict[str, list[Case]] = {
    "home": [Case("", no_args, signed_in())],
    "healthz": [Case("", no_args, everyone(200))],
    "readyz": [Case("", no_args, everyone(200))],
    "login": [Case("", no_args, {ANONYMOUS: 200, **dict.fromkeys(REVIEWERS + INSTITUTIONS, HOME)})],
    "logout": [Case("GET", no_args, signed_in(405))],
    "password_change": [Case("", no_args, signed_in())],
    "announcement_list": [
        Case("", no_args, everyone(200)),
        Case("xlsx", no_args, everyone(200), query=lambda _w: XLSX),
    ],
    "institution_info": per_module(module_page),
    "institution_detail": [
        Case("nj-jc", pk("nj_jc"), only({"province", "nanjing", "nj-jc"}, denied=404)),
        Case("sz-dj", pk("sz_dj"), only({"province", "suzhou", "sz-dj"}, denied=404)),
    ],
    "institution_filing": per_module(kind_filing_page),
    "institution_new": [Case("", no_args, only({"province"}))],
    "audit_list": [
        Case("", no_args, only({"province"})),
        Case("xlsx", no_args, only({"province"}), query=lambda _w: XLSX),
    ],
    "login_security": [Case("", no_args, only({"province"}))],
    "login_unlock": post_only(),
    "account_list": [
        Case("", no_args, only({"province"})),
        Case("xlsx", no_args, only({"province"}), query=lambda _w: XLSX),
    ],
    "account_new": [Case("", no_args, only({"province"}))],
    "account_detail": [
        Case("nj-jc", lambda _w: {"pk": User.objects.get(username="nj-jc").pk}, only({"province"}))
    ],
    "account_disable": [Case("GET", lambda _w: {"pk": 1}, signed_in(405))],
    "account_enable": [Case("GET", lambda _w: {"pk": 1}, signed_in(405))],
    "account_reset": [Case("GET", lambda _w: {"pk": 1}, signed_in(405))],
    "qualification_expiring": [Case("", no_args, signed_in())],
    "institution_suspend": post_only("nj_jc"),
    "institution_resume": post_only("nj_jc"),
    "institution_close": post_only("nj_jc"),
    "otp_reset": post_only(),
    "deadline_settings": [Case("", no_args, only({"province"}))],
    "deadline_limits": post_only(),
    "holiday_table": [Case("2027", lambda _w: {"year": 2027}, only({"province"}))],
    "otp_setup": [Case("", no_args, signed_in())],
    "otp_recovery_codes": [Case("", no_args, signed_in(Redirect("otp_setup")))],
    "otp_verify": [Case("", no_args, signed_in(HOME))],
    "person_list": per_module(module_page, xlsx=True),
    "person_new": per_module(filing_page),
    "certificate_list": per_module(module_page, xlsx=True),
    "person_change": [
        Case("wang-qiang", pk("wang"), own_person("nj-jc", "nanjing")),
        Case("yang-fan", pk("yang"), own_person("sz-dj", "suzhou")),
    ],
    "person_detail": [
        Case("wang-qiang", pk("wang"), only({"province", "nanjing", "nj-jc"}, denied=404)),
        Case("yang-fan", pk("yang"), only({"province", "suzhou", "sz-dj"}, denied=404)),
    ],
    "person_dossier": [
        Case("wang-qiang", pk("wang"), only({"province", "nanjing", "nj-jc"}, denied=404)),
        Case("yang-fan", pk("yang"), only({"province", "suzhou", "sz-dj"}, denied=404)),
    ],
    # The PDF is the province's: who may see the person gets 403, the others 404.
    "person_dossier_pdf": [
        Case("wang-qiang", pk("wang"), {**only({"province"}, denied=404), "nanjing": 403, "nj-jc": 403}),
        Case("yang-fan", pk("yang"), {**only({"province"}, denied=404), "suzhou": 403, "sz-dj": 403}),
    ],
    "transfer_list": [Case("", no_args, CHANGE_PAGES)],
    "transfer_new": [Case("", no_args, CHANGE_PAGES)],
    "reissue_list": [Case("", no_args, CHANGE_PAGES)],
    "reissue_new": [Case("", no_args, CHANGE_PAGES)],
    "cancellation_list": [Case("", no_args, CHANGE_PAGES)],
    "cancellation_new": [Case("", no_args, CHANGE_PAGES)],
    "print_queue": [Case("", no_args, only({"province"}))],
    "print_pdf": [
        Case("selected", no_args, only({"province"}), query=lambda w: {"ids": [w.print_task]}),
        Case("none-selected", no_args, {**only({"province"}), "province": Redirect("print_queue")}),
    ],
    "help": [Case("", no_args, signed_in())],
    "print_batch": post_only(),
    "print_mark_printed": post_only(),
    "print_send": post_only(),
    "delivery_list": [Case("", no_args, only(CITIES))],
    "print_deliver": post_only("print_task"),
    "recovery_list": [Case("", no_args, signed_in())],
    # 注销 by the province: who may see the certificate and is not the province gets 403, others 404.
    "certificate_revoke": [
        Case(
            "zhang-wei-jc", pk("zhang_jc"), {**only({"province"}, denied=404), "nanjing": 403, "nj-dual": 403}
        )
    ],
    "recovery_mail": post_only("recovery"),
    "recovery_recover": post_only("recovery"),
    "verify": [
        Case("", no_args, everyone(200)),
        Case("found", no_args, everyone(200), query=lambda _w: {"number": "苏JC-2019-00012", "name": "张伟"}),
    ],
    "verify_qr": [
        Case("genuine", lambda w: {"token": w.token}, everyone(200)),
        Case("forged", lambda w: {"token": w.token[:-3] + "xyz"}, everyone(400)),
    ],
    "review_queue": queues(),
    "application_detail": [Case("transfer", pk("transfer"), only(SEES_TRANSFER, denied=404))],
    "application_decide": post_only("transfer"),
    "application_withdraw": post_only("transfer"),
    "application_accept": post_only("transfer"),
    "application_refuse": post_only("transfer"),
    "application_resubmit": post_only("transfer"),
    "application_correct_receipt": post_only("transfer"),
    "attachment_download": [Case("termination", pk("attachment"), only(SEES_TRANSFER, denied=404))],
    "attachment_thumbnail": [Case("termination", pk("attachment"), only(SEES_TRANSFER, denied=404))],
    "upload_stage": post_only(),
    "upload_discard": [Case("GET", lambda _w: {"token": "not-a-token"}, signed_in(405))],
    "credit_record_list": [
        Case("", no_args, signed_in()),
        Case("xlsx", no_args, signed_in(), query=lambda _w: XLSX),
    ],
    "credit_record_new": [Case("", no_args, only(REVIEWERS))],
    # 申诉: only the institution the record concerns; reviewers who see the record are refused.
    "credit_appeal_new": [
        Case("nj-jc", pk("credit_record"), {**only({"nj-jc"}, denied=404), "province": 403, "nanjing": 403})
    ],
    "credit_score_detail": [
        Case("nj-jc", pk("credit_score"), only({"province", "nanjing", "nj-jc"}, denied=404))
    ],
    "credit_ranking": [
        Case("", no_args, only(REVIEWERS)),
        Case("xlsx", no_args, only(REVIEWERS), query=lambda _w: XLSX),
    ],
    "credit_category_list": [Case("", no_args, only({"province"}))],
    "credit_category_new": [Case("", no_args, only({"province"}))],
    "credit_category_edit": [Case("", pk("category"), only({"province"}))],
    "credit_rule": [Case("", no_args, only({"province"}))],
    "credit_public_list": [Case("", no_args, everyone(200))],
    "credit_public_person": [
        Case("", no_args, everyone(200)),
        Case("found", no_args, everyone(200), query=lambda _w: {"number": "苏JC-2018-00231", "name": "王强"}),
    ],
    "job_detail": [Case("", pk("job"), only({"province"}, denied=404))],
    "job_status": [Case("", pk("job"), only({"province"}, denied=404))],
    "job_download": [Case("", pk("job"), only({"province"}, denied=404))],
    # 消息: every login has its own list; opening a copy is POST-only (its scope: tests/test_notices.py).
    "notice_list": [
        Case("", no_args, signed_in()),
        Case("unread", no_args, signed_in(), query=lambda _w: {"show": "unread"}),
    ],
    "notice_open": [Case("GET", lambda _w: {"pk": 1}, signed_in(405))],
    "notice_read_all": post_only(),
    "notice_email": post_only(),
    # 统计分析: the province and every city (each its own figures); institutions are refused.
    "stats_dashboard": [Case("", no_args, only(REVIEWERS))],
    "stats_export": [Case(slug, lambda _w, slug=slug: {"chart": slug}, only(REVIEWERS)) for slug in CHARTS],
}

MATRIX = [(name, case, role) for name, cases in TABLE.items() for case in cases for role in ROLES]
MATRIX_IDS = [f"{name}[{case.id}]-{role}" if case.id else f"{name}-{role}" for name, case, role in MATRIX]
assert len(set(MATRIX_IDS)) == len(MATRIX_IDS)


def _url_names(patterns, namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            inner = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _url_names(p.url_patterns, inner)
        else:
            yield f"{namespace}{p.name}" if p.name else f"<unnamed: {p.pattern}>"


def _client(role: str) -> Client:
    client = Client()
    if role != ANONYMOUS:
        client.force_login(User.objects.get(username=role))
    return client


# --- the shared world --------------------------------------------------------------------------------


def _storage(media: Path) -> dict:
    from django.conf import settings

    return {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": media}},
    }


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Demo data + the objects in ``World`` (a pending transfer with a scan, an approved transfer's print
    task, an approved cancellation's recovery), built through HTTP and rolled back after the module."""
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
                transfer = workflow.file_transfer(_client("nj-jc"), "王强", "苏州建科建材检测有限公司")
                moved = workflow.walk_transfer(
                    _client, "刘洋", "sz-jc", "wx-dual", "无锡市建设工程质量检测中心", ["suzhou", "wuxi"]
                )
                cancelled = workflow.file_cancellation(_client("sz-dj"), ["苏DJ-2022-00078"])
                workflow.approve_everywhere(_client, cancelled, ["suzhou"])
                built = World(
                    transfer=transfer.pk,
                    attachment=Attachment.objects.get(application=transfer).pk,
                    wang=Person.objects.get(name="王强").pk,
                    yang=Person.objects.get(name="杨帆").pk,
                    nj_jc=Institution.objects.get(name="南京华宁建材检测有限公司").pk,
                    sz_dj=Institution.objects.get(name="苏州岩土地基检测有限公司").pk,
                    print_task=PrintTask.objects.get(application=moved).pk,
                    recovery=Recovery.objects.get(application=cancelled).pk,
                    token=token_for(workflow.certificate("苏JC-2019-00012")),
                    zhang_jc=workflow.certificate("苏JC-2019-00012").pk,
                    media=media,
                    job=_finished_job(),
                    **_credit(),
                )
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield built
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


def _credit() -> dict:
    from credit.models import Category, CreditScore

    credit_record = workflow.record_credit(_client("province"), institution="南京华宁建材检测有限公司")
    return {
        "credit_record": credit_record.pk,
        "credit_score": CreditScore.objects.get(institution=credit_record.institution).pk,
        "category": Category.objects.get(name="出具虚假检测报告").pk,
    }


def _finished_job() -> int:
    from django.core.files.base import ContentFile

    from jobs.models import Job

    job = Job(owner=User.objects.get(username="province"), kind="xlsx", title="人员.xlsx", state="done")
    job.filename, job.content_type = "人员.xlsx", "application/octet-stream"
    job.file.save("人员.xlsx", ContentFile(b"PK"), save=False)
    job.save()
    return job.pk


@pytest.fixture
def as_role(world, db, settings, _media):
    """as_role("nanjing") → a client of that persona (anonymous: a bare client), on the shared world."""
    settings.MEDIA_ROOT = world.media
    settings.STORAGES = _storage(world.media)
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
    assert {f"{m}-{t}" for m in MODULES for t in [t for t, _ in processes.type_choices()]} <= queue_ids


@pytest.mark.parametrize(("name", "case", "role"), MATRIX, ids=MATRIX_IDS)
def test_it_answers_each_role_as_the_scope_table_says(as_role, world, name, case, role):
    url = reverse(name, kwargs=case.kwargs(world))
    response = as_role(role).get(url, case.query(world))
    expected = case.expect[role]
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(f"{reverse('login')}?next={quote(url)}")
    elif isinstance(expected, Redirect):
        assert response.status_code == 302
        assert response["Location"] == reverse(expected.to)
    else:
        assert response.status_code == expected
        if expected == 404:
            assert "不在您的管理范围内" in response.content.decode()
        if expected == 200 and case.query(world) == XLSX:
            assert response["Content-Type"].startswith("application/vnd.openxmlformats")


# --- the permission ladder of the actions (POST) ----------------------------------------------------

# action → (URL name, the World field naming its object, POST data)
DECIDE = ("application_decide", "transfer", {"decision": "approve", "opinion": "同意"})
ACCEPT = ("application_accept", "transfer", {})
REFUSE = ("application_refuse", "transfer", {"reason": "本机构不接收"})
WITHDRAW = ("application_withdraw", "transfer", {})
RESUBMIT = ("application_resubmit", "transfer", {})
CORRECT_RECEIPT = ("application_correct_receipt", "transfer", {})
DELIVER = ("print_deliver", "print_task", {"recipient": "钱伟", "delivered_on": "2026-03-02"})
MAIL = ("recovery_mail", "recovery", {"tracking_number": "SF0001"})
RECOVER = ("recovery_recover", "recovery", {})

FORBIDDEN, OUTSIDE, HANDLED = "您无权执行此操作", "不在您的管理范围内", "已被处理"

# (action, role, status, text the user sees). The transfer is 待接收, the print task 待打印 (for 无锡),
# the recovery 待交回 (sz-dj's cancellation, reviewed by 苏州).
LADDER = [
    (DECIDE, ANONYMOUS, LOGIN, None),
    (DECIDE, "nj-jc", 403, FORBIDDEN),  # the filer is no reviewer
    (DECIDE, "sz-jc", 403, FORBIDDEN),
    (DECIDE, "wuxi", 404, OUTSIDE),  # a city not involved in this transfer
    (DECIDE, "nj-dual", 404, OUTSIDE),
    (DECIDE, "nanjing", 409, HANDLED),  # involved, but the receiver has not accepted yet
    (DECIDE, "suzhou", 409, HANDLED),
    (DECIDE, "province", 409, HANDLED),
    (ACCEPT, ANONYMOUS, LOGIN, None),
    (ACCEPT, "nj-jc", 403, FORBIDDEN),  # only the receiving institution accepts
    (ACCEPT, "nanjing", 403, FORBIDDEN),
    (ACCEPT, "sz-dj", 404, OUTSIDE),
    (ACCEPT, "wuxi", 404, OUTSIDE),
    (ACCEPT, "sz-jc", 400, "请上传劳动合同"),  # the receiver, without its scans
    (REFUSE, ANONYMOUS, LOGIN, None),
    (REFUSE, "nj-jc", 403, FORBIDDEN),
    (REFUSE, "suzhou", 403, FORBIDDEN),
    (REFUSE, "nj-dual", 404, OUTSIDE),
    (WITHDRAW, ANONYMOUS, LOGIN, None),
    (WITHDRAW, "sz-jc", 403, FORBIDDEN),  # only the filer withdraws
    (WITHDRAW, "nanjing", 403, FORBIDDEN),
    (WITHDRAW, "wuxi", 404, OUTSIDE),
    (RESUBMIT, ANONYMOUS, LOGIN, None),
    (RESUBMIT, "sz-jc", 403, FORBIDDEN),
    (RESUBMIT, "sz-dj", 404, OUTSIDE),
    (RESUBMIT, "nj-jc", 409, HANDLED),  # the filer, but nothing was returned
    (CORRECT_RECEIPT, ANONYMOUS, LOGIN, None),
    (CORRECT_RECEIPT, "nj-jc", 403, FORBIDDEN),  # only the receiver corrects its own part
    (CORRECT_RECEIPT, "nanjing", 403, FORBIDDEN),
    (CORRECT_RECEIPT, "sz-dj", 404, OUTSIDE),
    (CORRECT_RECEIPT, "sz-jc", 409, HANDLED),  # the receiver, but nothing was returned to it
    (DELIVER, ANONYMOUS, LOGIN, None),
    (DELIVER, "nanjing", 404, OUTSIDE),  # not the city it is sent to
    (DELIVER, "nj-jc", 404, OUTSIDE),
    (DELIVER, "province", 403, FORBIDDEN),  # the province prints and sends; the city hands out
    (DELIVER, "wuxi", 409, HANDLED),  # the destination city, but nothing was sent yet
    (MAIL, ANONYMOUS, LOGIN, None),
    (MAIL, "province", 403, FORBIDDEN),  # only the cancelling institution mails it back
    (MAIL, "suzhou", 403, FORBIDDEN),
    (MAIL, "nj-dual", 404, OUTSIDE),
    (MAIL, "wuxi", 404, OUTSIDE),
    (RECOVER, ANONYMOUS, LOGIN, None),
    (RECOVER, "sz-dj", 403, FORBIDDEN),  # only the province records it as recovered
    (RECOVER, "suzhou", 403, FORBIDDEN),
    (RECOVER, "sz-jc", 404, OUTSIDE),
]


def _snapshot():
    """Everything an action could change."""
    return (
        sorted(Application.objects.values_list("pk", "state", "round")),
        sorted(PrintTask.objects.values_list("pk", "state")),
        sorted(Recovery.objects.values_list("pk", "state")),
        StateLog.objects.count(),
        Decision.objects.count(),
        sorted(Attachment.objects.values_list("pk", flat=True)),
    )


@pytest.mark.parametrize(
    ("action", "role", "status", "text"),
    LADDER,
    ids=[f"{action[0]}-{role}" for action, role, _s, _t in LADDER],
)
def test_it_refuses_each_rung_of_the_ladder_and_changes_nothing(as_role, world, action, role, status, text):
    name, field, data = action
    url = reverse(name, args=[getattr(world, field)])
    before = _snapshot()
    response = as_role(role).post(url, data)
    if status == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(f"{reverse('login')}?next=")
    else:
        assert response.status_code == status
        assert text in response.content.decode()
    assert _snapshot() == before
    assert Application.objects.get(pk=world.transfer).state == State.PENDING_RECEIPT


def test_it_lets_the_right_role_act_and_records_it(as_role, world):
    """The top of the ladder: the receiver refuses with a reason → 已拒收 and one history row."""
    logs = StateLog.objects.count()
    response = as_role("sz-jc").post(
        reverse("application_refuse", args=[world.transfer]), {"reason": "编制已满"}
    )
    assert response.status_code == 302
    request = Application.objects.get(pk=world.transfer)
    assert request.state == State.REFUSED
    assert StateLog.objects.count() == logs + 1
    page = as_role("nj-jc").get(reverse("application_detail", args=[world.transfer])).content.decode()
    assert "已拒收" in page and "编制已满" in page
