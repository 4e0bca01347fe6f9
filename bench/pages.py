"""Benchmark the logged-in pages at provincial volume, served the way production serves them.

    .venv/bin/python bench/pages.py [--people 10000] [--reuse] [--seconds 5] [--rounds 3]
                                    [--connections 4] [--only REGEX] [--database-url URL]
    .venv/bin/python bench/pages.py --compare 10000,1000000 --reuse

1. Generates the data set into a fresh PostgreSQL database (default
   postgres://postgres@127.0.0.1:5432/jiance_bench_<N>; its name must contain "bench", as it is
   dropped): ``migrate``, then COPY of 1,500 institutions in the 13 cities, N people with about 1.25
   certificates each, N/10 applications (at least 2,000) of every process in every state with their
   decisions and state logs, print tasks and recoveries; then VACUUM ANALYZE and the sequences. Then the
   统计分析 figures are refreshed as the job worker would (their time is printed).
   ``--reuse`` keeps a database this script generated for the same N (it still runs ``migrate``).
2. Serves it with gunicorn (2 sync workers, JIANCE_PRODUCTION=1, whitenoise's manifest storage after
   ``collectstatic``, Redis cache on db 15 (14 for the second size of ``--compare``; ``--redis-db``), flushed first)
   with DJANGO_SETTINGS_MODULE=bench.settings: the product plus two reference pages, ``/bench/ok/``
   (bare, logged in) and the admin changelist of people (bench/urls.py).
3. Logs each role in by creating its session directly and sending its cookie (``__Host-sessionid``, the
   production name).
4. Checks that every page answers 200, then measures each for ``--seconds`` with ``--connections``
   concurrent clients (wrk when it is on PATH, else a Python load generator), every page once per
   round, ``--rounds`` times, so that the shared machine's drift hits all pages alike.

Prints one table: median req/s over the rounds, p50 and p99 latency, throughput as % of the bare page,
and × admin (the page's req/s ÷ the admin changelist's: 10 means ten times as fast). With ``--compare``
both sizes are served at once, measured alternately, and a column gives p50 large ÷ p50 small.
Absolute figures drift on the shared machine; read the ratios.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.client
import io
import json
import math
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from itertools import accumulate
from multiprocessing import get_context
from pathlib import Path
from urllib.parse import urlencode, urljoin

ROOT = Path(__file__).resolve().parent.parent
COOKIE = "__Host-sessionid"  # the session cookie's name under production settings (jiance/settings.py)
sys.path.insert(0, str(ROOT))

DATA_VERSION = 3  # part of the database's marker comment: bump when the data set's shape changes
INSTITUTIONS = 1500
CHUNK = 100_000  # rows per COPY
DEEP_PAGE_HOPS = 20
HOST = "127.0.0.1"

# 南京 … 宿迁 (institutions.cities order): a city's share of the institutions.
CITY_WEIGHTS = (14, 9, 8, 7, 14, 8, 4, 5, 6, 6, 5, 6, 4)
# Common surnames, most frequent first (weight 1/(rank + 5): 王 ≈ 7 % of the people).
SURNAMES = (
    "王张陈李徐刘朱周吴孙杨黄马胡沈顾陆赵钱蒋许高丁唐戴曹袁姚葛范汪金叶程邵施殷仲倪缪冯潘韩董谢郭何"
    "宋郑梁罗邓彭曾肖田于蔡余杜魏吕任卢姜崔钟谭廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯史陶贺毛龚万严武孔汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华建国志红玉海燕春梅文斌鹏飞晓东雪俊子涵宇轩浩然"
    "欣怡思远嘉诚峰波辉宁琳婷慧颖佳鑫晨阳林凯健亮成亚楠雯倩瑶蕾萍莉丹荣新庆利清宏德民永祥瑞彬振"
)
TRADE_FIRST = "华金苏建正宏恒天中东诚永新通博众鼎润科汇"
TRADE_SECOND = "宁陵科研源达信成建南安华远合盛通诚德正方"
FIRMS = (
    "建设工程质量检测中心有限公司",
    "建筑材料检测有限公司",
    "岩土工程检测有限公司",
    "建科工程检测有限公司",
    "工程质量检测有限公司",
)
ROADS = "中山长江解放人民建设和平新华文化东风青年"
EDUCATIONS = ("本科", "大专", "硕士", "中专", "本科")
TITLES = ("助理工程师", "工程师", "高级工程师", "技术员", "")
SCOPES = {"JC": "建筑材料及构配件、主体结构及装饰装修检测", "DJ": "地基基础工程检测"}
KINDS = ("JC", "DJ")
QUALIFIED = (date(2024, 1, 1), date(2030, 12, 31))  # every qualification's validity
BORN = (date(1960, 1, 1).toordinal(), 40 * 365)  # people's birth dates: first day, span in days
ISSUED = (date(2008, 1, 1).toordinal(), 17 * 365)  # certificates' issue dates
LIVE = ("normal", "no_credit_file", "detached")

# Applications: type → (share, {final state: share}); pending_receipt and refused are transfers' only.
OTHER_STATES = {"pending_city": 12, "pending_province": 7, "approved": 66, "returned": 6, "withdrawn": 9}
APPLICATION_TYPES = {
    "transfer": (
        35,
        {
            "pending_receipt": 5,
            "pending_city": 12,
            "pending_province": 6,
            "approved": 56,
            "returned": 5,
            "withdrawn": 8,
            "refused": 8,
        },
    ),
    "reissue": (15, OTHER_STATES),
    "cancellation": (10, OTHER_STATES),
    "personnel_filing": (30, OTHER_STATES),
    "institution_filing": (10, OTHER_STATES),
}
# 办理时限: the default limit of each waiting state's step, in working days (reviews.apps).
STEP_LIMITS = {"pending_receipt": 10, "pending_city": 5, "pending_province": 10}


def add_workdays(day: date, days: int) -> date:
    from workdays.calendar import add_workdays as add  # Django is set up by then

    return add(day, days)


# The states the partial unique index "one_open_application_per_person" covers (drafts: none here).
OPEN = {"pending_receipt", "pending_city", "pending_province", "returned"}
APPROVALS = ("同意。", "材料齐全，同意。", "经审核，符合要求，同意。")
RETURNS = (
    "劳动合同扫描件不清晰，请重新上传。",
    "社保缴费清单未加盖公章，请补充。",
    "身份证扫描件缺少反面，请补充。",
)

# Every table loaded with COPY, in load order, with its columns; those with an "id" get their sequence reset.
COLUMNS = {
    table: tuple(columns.split())
    for table, columns in {
        "institutions_institution": "id credit_code status city_id name address legal_representative"
        " contact_person contact_phone email",
        "institutions_qualification": "id kind number valid_from valid_until scope institution_id",
        "institutions_user": "id password is_superuser username first_name last_name email is_staff is_active"
        " date_joined role must_change_password city_id institution_id full_name phone",
        "personnel_person": "id name id_number gender birth_date education title phone institution_id"
        " module_jc module_dj",
        "certificates_postcertificate": "id kind number status issued_on edition holder_id institution_id",
        "reviews_application": "id type state subject_name module_jc module_dj round created_at submitted_at"
        " closed_at created_by_id institution_id person_id receiving_institution_id receiver_accepted returned_to"
        " step_started_on due_on",
        "reviews_application_cities": "id application_id city_id",
        "certificates_transferrequest": "application_ptr_id",
        "certificates_reissuerequest": "application_ptr_id reason",
        "certificates_reissuerequest_certificates": "id reissuerequest_id postcertificate_id",
        "certificates_cancellationrequest": "application_ptr_id reason holder_agrees by_province",
        "certificates_cancellationrequest_certificates": "id cancellationrequest_id postcertificate_id",
        "filings_personnelfiling": "application_ptr_id name id_number gender birth_date education title phone"
        " before",
        "filings_institutionfiling": "application_ptr_id kind name address legal_representative contact_person"
        " contact_phone qualification_number valid_from valid_until scope before",
        "reviews_decision": "id round step outcome opinion decided_at client_address application_id city_id"
        " reviewer_id returned_to",
        "django_fsm_log_statelog": "id timestamp state transition object_id by_id content_type_id description"
        " source_state",
        "certificates_printtask": "id edition state created_at printed_at sent_at tracking_number delivered_on"
        " recipient application_id certificate_id destination_city_id",
        "certificates_recovery": "id state created_at tracking_number mailed_at recovered_at application_id certificate_id"
        " step_started_on due_on institution_id",
    }.items()
}


# --- The data set ------------------------------------------------------------------------------------


@dataclass(slots=True, eq=False)
class Institution:
    """What the generator remembers of an institution it wrote."""

    pk: int
    city: int  # City pk
    city_order: int  # 1 (南京) … 13 (宿迁): the ID-number region 32xx
    kinds: tuple[str, ...]
    info: dict  # the fields a 机构备案 files (InstitutionFiling.INFO_FIELDS)
    user: int = 0  # its one user's pk


class Tables(defaultdict):
    """Rows waiting for COPY, per table; ``add`` numbers a row when its table has an "id" column."""

    def __init__(self):
        super().__init__(list)

    def add(self, table: str, *values) -> int:
        """Append a row of ``values`` (after its id, if the table has one); return its id or count."""
        rows = self[table]
        rows.append((len(rows) + 1, *values) if COLUMNS[table][0] == "id" else values)
        return len(rows)


@dataclass(slots=True, eq=False)
class Case:
    """An application being generated: its type and final state, who files it, about whom and what."""

    type: str
    state: str
    institution: Institution
    kinds: set[str]  # its modules
    person: int | None = None
    receiver: Institution | None = None  # a transfer's 调入机构
    certificates: list = field(default_factory=list)  # (pk, kind, status) of those it concerns
    closed_at: datetime | None = None

    @property
    def cities(self) -> list[int]:
        """The cities that review it: the filer's, and a transfer's receiver's when another."""
        receiver = self.receiver
        return [
            self.institution.city,
            *([receiver.city] if receiver and receiver.city != self.institution.city else []),
        ]


def person_details(pk: int) -> tuple[str, str, str]:
    """(education, title, phone) of person ``pk``: derived from the pk, so filings can restate them."""
    return EDUCATIONS[pk % 5], TITLES[pk * 7 % 5], f"1{3 + pk % 7}{pk * 7919 % 10**9:09d}"


def birth_and_gender(id_number: str) -> tuple[str, str]:
    """The birth date (ISO) and gender an 18-digit ID number encodes."""
    digits = id_number[6:14]
    return f"{digits[:4]}-{digits[4:6]}-{digits[6:]}", "男" if int(id_number[16]) % 2 else "女"


class Generator:
    """Writes the data set with COPY into the freshly migrated database behind Django's connection.

    Ids are assigned here (1, 2, …) so that rows can refer to each other without reading back.
    Seeded: the same N gives the same data.
    """

    def __init__(self, people: int, seed: int = 2024):
        self.people = people
        self.rng = random.Random(seed)
        self.now = datetime.now(UTC).replace(microsecond=0)
        self.counts: Counter = Counter()
        self.institutions: list[Institution] = []
        self.city_user: dict[int, int] = {}
        self.province_user = 1
        # Indexed by person pk (slot 0 unused).
        self.home: list = [None]
        self.name: list = [None]
        self.id_number: list = [None]
        self.certificates: list = [None]  # ((certificate pk, kind, status), …)

    def run(self) -> None:
        """Load every table, mark cancelled certificates, reset the sequences, VACUUM ANALYZE."""
        for step in (
            self.load_institutions,
            self.load_users,
            self.load_people,
            self.load_applications,
            self.mark_cancelled,
            self.finish,
        ):
            started = time.perf_counter()
            step()
            print(f"  {step.__name__}: {time.perf_counter() - started:.1f} s", flush=True)
        for table, rows in self.counts.items():
            print(f"  {table:48} {rows:>10,}")

    def copy(self, table: str, rows: list[tuple]) -> None:
        """COPY ``rows`` (tuples in ``COLUMNS[table]`` order; None is NULL) into ``table``."""
        from django.db import connection

        for start in range(0, len(rows), CHUNK):
            buffer = io.StringIO()
            for row in rows[start : start + CHUNK]:
                buffer.write("\t".join(r"\N" if v is None else str(v) for v in row))
                buffer.write("\n")
            buffer.seek(0)
            with connection.cursor() as cursor:
                cursor.copy_expert(f"COPY {table} ({', '.join(COLUMNS[table])}) FROM STDIN", buffer)
        self.counts[table] += len(rows)

    def copy_tables(self, tables: Tables) -> None:
        """COPY every table of ``tables``, in the order of ``COLUMNS`` (referenced rows first)."""
        for table in COLUMNS:
            if table in tables:
                self.copy(table, tables[table])

    def load_institutions(self) -> None:
        """1,500 active institutions over the cities: 40 % 建材 only, 20 % 地基 only, 40 % both."""
        from institutions.models import City
        from institutions.validators import credit_code_check_char

        rng = self.rng
        cities = list(enumerate(City.objects.order_by("order"), start=1))
        fifth = INSTITUTIONS // 5
        kinds = rng.sample([("JC",)] * 2 * fifth + [("DJ",)] * fifth + [KINDS] * 2 * fifth, INSTITUTIONS)
        names = [a + b + firm for a in TRADE_FIRST for b in TRADE_SECOND for firm in FIRMS]
        unused = {city.pk: rng.sample(names, len(names)) for _, city in cities}
        tables = Tables()
        for held in kinds:
            order, city = rng.choices(cities, CITY_WEIGHTS)[0]
            info = {  # InstitutionFiling.INFO_FIELDS
                "name": city.name.removesuffix("市") + unused[city.pk].pop(),
                "address": f"{city.name}{rng.choice(ROADS)}{rng.choice(ROADS)}路{rng.randrange(1, 400)}号",
                "legal_representative": rng.choice(SURNAMES[:40]) + rng.choice(GIVEN) + rng.choice(GIVEN),
                "contact_person": rng.choice(SURNAMES[:40]) + rng.choice(GIVEN),
                "contact_phone": f"025-{rng.randrange(10**7, 10**8)}",
            }
            head = f"91{3200 + order}{rng.randrange(1, 12):02d}{len(self.institutions) + 1:09d}"
            code = head + credit_code_check_char(head)
            pk = tables.add("institutions_institution", code, "active", city.pk, *info.values(), "")
            institution = Institution(pk, city.pk, order, held, info)
            self.institutions.append(institution)
            for kind in held:
                number = self.qualification_number(institution, kind)
                tables.add("institutions_qualification", kind, number, *QUALIFIED, SCOPES[kind], pk)
        self.copy_tables(tables)

    @staticmethod
    def qualification_number(institution: Institution, kind: str) -> str:
        """资质证书编号 of an institution's qualification of ``kind``."""
        return f"苏建检{kind}字第{institution.pk:05d}号"

    def load_users(self) -> None:
        """'province', one city user per city, one user per institution and the superuser 'bench-admin',
        all with one password hash."""
        from django.contrib.auth.hashers import make_password

        from institutions.models import City

        password = make_password("bench-password")
        tables = Tables()

        def user(username, role, *, city=None, institution=None, admin=False) -> int:
            names_and_flags = (admin, username, "", "", "", admin, True, self.now, role, False)
            return tables.add(
                "institutions_user", password, *names_and_flags, city, institution, username, ""
            )

        self.province_user = user("province", "province")
        user("bench-admin", "province", admin=True)
        for city in City.objects.order_by("order"):
            self.city_user[city.pk] = user(f"city-{city.code}", "city", city=city.pk)
        for institution in self.institutions:
            institution.user = user(f"inst{institution.pk:04d}", "institution", institution=institution.pk)
        self.copy_tables(tables)

    def load_people(self) -> None:
        """N people (a few large institutions, dual-qualified ones larger) with their certificates."""
        rng = self.rng
        weights = [rng.lognormvariate(0, 0.8) * (1.5 if len(i.kinds) == 2 else 1) for i in self.institutions]
        institution_weights = list(accumulate(weights))
        surname_weights = list(accumulate(1 / (rank + 5) for rank in range(len(SURNAMES))))
        seen: set[str] = set()
        serials: Counter = Counter()
        certificate_pk = 0
        for start in range(1, self.people + 1, CHUNK):
            pks = range(start, min(start + CHUNK, self.people + 1))
            homes = rng.choices(self.institutions, cum_weights=institution_weights, k=len(pks))
            surnames = rng.choices(SURNAMES, cum_weights=surname_weights, k=len(pks))
            people, certificates = [], []
            for pk, home, surname in zip(pks, homes, surnames, strict=True):
                name = surname + "".join(rng.choices(GIVEN, k=1 if rng.random() < 0.3 else 2))
                id_number = self.new_id_number(home.city_order, seen)
                born, gender = birth_and_gender(id_number)
                held = []
                for kind, status in self.certificate_kinds(home):
                    certificate_pk += 1
                    issued = date.fromordinal(ISSUED[0] + rng.randrange(ISSUED[1]))
                    serials[kind, issued.year] += 1
                    number = f"苏{kind}-{issued.year}-{serials[kind, issued.year]:05d}"
                    institution = None if status == "detached" else home.pk
                    certificates.append((certificate_pk, kind, number, status, issued, 1, pk, institution))
                    held.append((certificate_pk, kind, status))
                kinds = {kind for _, kind, _ in held}
                modules = ("JC" in kinds or not kinds, "DJ" in kinds or not kinds)  # Person.module_jc, _dj
                people.append((pk, name, id_number, gender, born, *person_details(pk), home.pk, *modules))
                self.home.append(home)
                self.name.append(name)
                self.id_number.append(id_number)
                self.certificates.append(tuple(held))
            self.copy("personnel_person", people)
            self.copy("certificates_postcertificate", certificates)

    def new_id_number(self, city_order: int, seen: set[str]) -> str:
        """A 身份证号 unseen so far, with a valid GB 11643 check digit, born 1960 … 1999."""
        from personnel.validators import id_check_char

        while True:
            born = date.fromordinal(BORN[0] + self.rng.randrange(BORN[1]))
            body = f"32{city_order:02d}{self.rng.randrange(1, 13):02d}{born:%Y%m%d}{self.rng.randrange(1000):03d}"
            number = body + id_check_char(body)
            if number not in seen:
                seen.add(number)
                return number

    def certificate_kinds(self, home: Institution) -> list[tuple[str, str]]:
        """(kind, status) of a new person's certificates.

        3 % hold none; at a dual institution half hold both kinds; others hold their institution's
        kind(s); 8 % of those at a single-kind institution also hold the other kind, 调离 (detached).
        """
        rng = self.rng
        if rng.random() < 0.03:
            return []
        kinds = home.kinds
        if len(kinds) == 2 and rng.random() < 0.5:
            kinds = ("JC",) if rng.random() < 0.6 else ("DJ",)
        held = []
        for kind in kinds:
            r = rng.random()
            held.append((kind, "normal" if r < 0.91 else "no_credit_file" if r < 0.96 else "cancelled"))
        if len(home.kinds) == 1 and rng.random() < 0.08:
            held.append((KINDS[home.kinds[0] == "JC"], "detached"))
        return held

    def load_applications(self) -> None:
        """N/10 applications (at least 2,000) of every type and state, with what hangs off them."""
        from django.contrib.contenttypes.models import ContentType

        from reviews.models import Application

        rng = self.rng
        content_type = ContentType.objects.get_for_model(Application).pk
        tables = Tables()
        free = rng.sample(self.institutions, len(self.institutions))  # open 机构备案: one per institution
        busy: set[int] = set()  # people with an open application
        for _ in range(max(2000, self.people // 10)):
            case = self.new_case(free, busy)
            submitted_at = self.now - timedelta(seconds=rng.randrange(90 * 86400))
            round_, events = self.story(case, submitted_at)
            if case.state in ("approved", "withdrawn", "refused"):
                case.closed_at = events[-1][4]
            created_at = events[0][4] - timedelta(seconds=rng.randrange(600, 2 * 86400))
            # 办理时限: a waiting step started at its last transition (the default limits).
            started = events[-1][4].date() if case.state in STEP_LIMITS else None
            due = add_workdays(started, STEP_LIMITS[case.state]) if started else None
            pk = tables.add(
                "reviews_application",
                *(case.type, case.state, self.name[case.person] if case.person else ""),
                *("JC" in case.kinds, "DJ" in case.kinds, round_, created_at, submitted_at, case.closed_at),
                *(case.institution.user, case.institution.pk, case.person),
                case.receiver.pk if case.receiver else None,
                # Accepted: a transfer past 待接收 (a refused one never was); every return is the filer's part.
                bool(case.receiver) and round_ > 0 and case.state not in ("pending_receipt", "refused"),
                "filer" if case.state == "returned" else "",
                started,
                due,
            )
            for city in case.cities:
                tables.add("reviews_application_cities", pk, city)
            for transition, source, target, user, at, decision in events:
                description = decision[4] if decision else None
                tables.add(
                    "django_fsm_log_statelog",
                    at,
                    target,
                    transition,
                    pk,
                    user,
                    content_type,
                    description,
                    source,
                )
                if decision:
                    number, step, city, outcome, opinion = decision
                    returned_to = "filer" if outcome == "return" else ""
                    tables.add(
                        "reviews_decision",
                        number,
                        step,
                        outcome,
                        opinion,
                        at,
                        "",
                        pk,
                        city,
                        user,
                        returned_to,
                    )
            self.add_detail(tables, pk, case)
            if case.state == "approved":
                self.add_follow_ups(tables, pk, case)
        self.copy_tables(tables)

    def new_case(self, free: list[Institution], busy: set[int]) -> Case:
        """An application of a random type and state, and whom and what it is about.

        An open 机构备案 takes an institution from ``free`` (approved once none is left); an open
        application about a person, a person not in ``busy`` (the partial unique index).
        """
        rng = self.rng
        type_ = rng.choices(list(APPLICATION_TYPES), [share for share, _ in APPLICATION_TYPES.values()])[0]
        states = APPLICATION_TYPES[type_][1]
        state = rng.choices(list(states), list(states.values()))[0]
        if type_ == "institution_filing":
            if state in OPEN and not free:
                state = "approved"
            institution = free.pop() if state in OPEN else rng.choice(self.institutions)
            return Case(type_, state, institution, {rng.choice(institution.kinds)})
        person = self.pick_person(busy if state in OPEN else None, type_ != "personnel_filing")
        institution, held = self.home[person], self.certificates[person]
        if type_ == "personnel_filing":
            return Case(type_, state, institution, {c[1] for c in held} or {institution.kinds[0]}, person)
        live = [c for c in held if c[2] in LIVE]
        if type_ == "reissue" and rng.random() < 0.8:
            live = [rng.choice(live)]
        receiver = self.receiver_for(institution) if type_ == "transfer" else None
        return Case(type_, state, institution, {c[1] for c in live}, person, receiver, live)

    def pick_person(self, busy: set[int] | None, needs_certificate: bool) -> int:
        """A random person (holding a live certificate if needed); with ``busy``, one not in it, added."""
        while True:
            person = self.rng.randrange(1, self.people + 1)
            if needs_certificate and not any(c[2] in LIVE for c in self.certificates[person]):
                continue
            if busy is None:
                return person
            if person not in busy:
                busy.add(person)
                return person

    def receiver_for(self, institution: Institution) -> Institution:
        """The 调入机构 of a transfer: another institution, in the same city six times in ten."""
        while True:
            other = self.rng.choice(self.institutions)
            if other is not institution and (other.city == institution.city or self.rng.random() < 0.4):
                return other

    def story(self, case: Case, submitted_at: datetime) -> tuple[int, list[tuple]]:
        """(round, events) that led ``case`` to its state, its last submission being at ``submitted_at``.

        One in seven was returned once before (round 2). An event is (transition, source, target,
        user pk, at, decision); a decision is (round, step, city pk, outcome, opinion) or None.
        """
        rng = self.rng
        ends = [case.state]
        if case.state not in ("pending_receipt", "refused") and rng.random() < 0.15:
            ends.insert(0, "returned")
        first_submission = submitted_at - timedelta(days=rng.uniform(5, 30))
        events, source = [], "draft"
        for number, end in enumerate(ends, start=1):
            steps = self.round_steps(case, end, number)
            begin, until = (
                (submitted_at, self.now) if number == len(ends) else (first_submission, submitted_at)
            )
            times = [begin, *sorted(begin + (until - begin) * rng.random() for _ in steps[1:])]
            for (transition, target, user, decision), at in zip(steps, times, strict=True):
                events.append((transition, source, target, user, at, decision))
                source = target
        return len(ends), events

    def round_steps(self, case: Case, end: str, number: int) -> list[tuple]:
        """The steps (transition, target, user pk, decision) of review round ``number``, ending in ``end``.

        Cities decide in turn; a city may return it after another approved, as may the province.
        """
        rng = self.rng
        filer, receiver, cities = case.institution.user, case.receiver, case.cities
        steps = [("submit", "pending_receipt" if receiver else "pending_city", filer, None)]
        if end == "pending_receipt":
            return steps
        if end == "refused":
            return [*steps, ("refuse", "refused", receiver.user, None)]
        if receiver:
            steps.append(("accept", "pending_city", receiver.user, None))
        if end == "withdrawn":
            return [*steps, ("withdraw", "withdrawn", filer, None)]
        city_return = end == "returned" and rng.random() < 0.7
        if end == "pending_city" or city_return:
            approving = cities[:-1] if rng.random() < 0.5 else []
        else:
            approving = cities
        for i, city in enumerate(approving, start=1):
            target = "pending_province" if approving is cities and i == len(cities) else "pending_city"
            decision = (number, "city", city, "approve", rng.choice(APPROVALS))
            steps.append(("approve_city", target, self.city_user[city], decision))
        if end in ("pending_city", "pending_province"):
            return steps
        if city_return:
            city = cities[len(approving)]
            decision = (number, "city", city, "return", rng.choice(RETURNS))
            return [*steps, ("return_city", "returned", self.city_user[city], decision)]
        outcome = "approve" if end == "approved" else "return"
        decision = (
            number,
            "province",
            None,
            outcome,
            rng.choice(APPROVALS if end == "approved" else RETURNS),
        )
        return [*steps, (f"{outcome}_province", end, self.province_user, decision)]

    def add_detail(self, tables: Tables, pk: int, case: Case) -> None:
        """The process's own row (multi-table inheritance) and its certificates."""
        rng = self.rng
        if case.type == "transfer":
            tables.add("certificates_transferrequest", pk)
        elif case.type == "reissue":
            tables.add("certificates_reissuerequest", pk, "证书遗失")
            for certificate in case.certificates:
                tables.add("certificates_reissuerequest_certificates", pk, certificate[0])
        elif case.type == "cancellation":
            tables.add("certificates_cancellationrequest", pk, "本人离职，不再从事检测工作", True, False)
            for certificate in case.certificates:
                tables.add("certificates_cancellationrequest_certificates", pk, certificate[0])
        elif case.type == "personnel_filing":  # a change of the person's 职称
            name, id_number = self.name[case.person], self.id_number[case.person]
            born, gender = birth_and_gender(id_number)
            education, title, phone = person_details(case.person)
            before = {"name": name, "id_number": id_number, "gender": gender, "birth_date": born}
            before |= {"education": education, "title": title, "phone": phone}
            promoted = TITLES[(TITLES.index(title) + 1) % len(TITLES)]
            filed = (name, id_number, gender, born, education, promoted, phone)
            tables.add("filings_personnelfiling", pk, *filed, json.dumps(before, ensure_ascii=False))
        else:  # a new contact phone, and half of the time a renewed qualification
            kind = next(iter(case.kinds))
            number = self.qualification_number(case.institution, kind)
            qualification = {"qualification_number": number, "valid_from": "2024-01-01"}
            qualification |= {"valid_until": "2030-12-31", "scope": SCOPES[kind]}
            before = {"info": case.institution.info, "qualification": qualification}
            info = case.institution.info | {"contact_phone": f"025-{rng.randrange(10**7, 10**8)}"}
            renewal = (number, date(2024, 1, 1), date(2035, 12, 31), SCOPES[kind])
            filed = (*info.values(), *(renewal if rng.random() < 0.5 else ("", None, None, "")))
            tables.add("filings_institutionfiling", pk, kind, *filed, json.dumps(before, ensure_ascii=False))

    def add_follow_ups(self, tables: Tables, pk: int, case: Case) -> None:
        """An approved application's print tasks (a fifth of transfers and reissues: the rest are
        done and gone from the queues) or recoveries (every cancellation), in any of their states."""
        rng = self.rng
        if case.type in ("transfer", "reissue") and rng.random() < 0.2:
            destination = (case.receiver or case.institution).city
            for certificate in case.certificates:
                state = rng.choices(("pending", "printed", "sent", "delivered"), (3, 2, 2, 3))[0]
                printed = self.later(case.closed_at) if state != "pending" else None
                sent = self.later(printed) if state in ("sent", "delivered") else None
                delivered = self.later(sent).date() if state == "delivered" else None
                tracking = f"EMS{rng.randrange(10**10):010d}" if sent else ""
                recipient = self.name[case.person] if delivered else ""
                tables.add(
                    "certificates_printtask",
                    *(1, state, case.closed_at, printed, sent, tracking, delivered, recipient),
                    *(pk, certificate[0], destination),
                )
        if case.type == "cancellation":
            for certificate in case.certificates:
                state = rng.choices(("pending", "mailed", "recovered"), (4, 3, 3))[0]
                mailed = self.later(case.closed_at) if state != "pending" else None
                recovered = self.later(mailed) if state == "recovered" else None
                tracking = f"SF{rng.randrange(10**12):012d}" if mailed else ""
                started = case.closed_at.date() if state == "pending" else None
                due = add_workdays(started, 10) if started else None
                tables.add(
                    "certificates_recovery",
                    state,
                    case.closed_at,
                    tracking,
                    mailed,
                    recovered,
                    pk,
                    certificate[0],
                    started,
                    due,
                    case.institution.pk,
                )

    def later(self, moment: datetime) -> datetime:
        """A moment up to a week after ``moment``, but not in the future."""
        return min(self.now, moment + timedelta(days=self.rng.uniform(0.2, 7)))

    def mark_cancelled(self) -> None:
        """The certificates of approved 人员注销 applications are 注销 (cancelled)."""
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                """UPDATE certificates_postcertificate c SET status = 'cancelled'
                   FROM certificates_cancellationrequest_certificates m
                   JOIN reviews_application a ON a.id = m.cancellationrequest_id
                   WHERE m.postcertificate_id = c.id AND a.state = 'approved'"""
            )

    def finish(self) -> None:
        """Reset the sequences of the tables written, then VACUUM ANALYZE (as autovacuum would have)."""
        from django.db import connection

        with connection.cursor() as cursor:
            for table, columns in COLUMNS.items():
                if "id" in columns:
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence(%s, 'id'), COALESCE(MAX(id), 1), MAX(id) IS NOT NULL)"
                        f" FROM {table}",
                        [table],
                    )
            cursor.execute("VACUUM ANALYZE")


# --- One database, prepared in a fresh interpreter (Django's settings are per process) ---------------


def maintenance_connection(database_url: str):
    """(autocommit psycopg2 connection to the server's 'postgres' database, the bench database's name)."""
    import dj_database_url
    import psycopg2

    config = dj_database_url.parse(database_url)
    connection = psycopg2.connect(
        dbname="postgres",
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
    )
    connection.autocommit = True
    return connection, config["NAME"]


def marker(people: int) -> str:
    """The comment a completely generated database carries."""
    return f"jiance bench/pages.py data v{DATA_VERSION}: {people} people"


def database_marker(database_url: str) -> str | None:
    """The database's comment, or None when it does not exist."""
    connection, name = maintenance_connection(database_url)
    with contextlib.closing(connection), connection.cursor() as cursor:
        cursor.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [name]
        )
        row = cursor.fetchone()
    return row[0] or "" if row else None


def run_on_server(database_url: str, statement: str, *literals: str) -> None:
    """Run ``statement`` from the 'postgres' database: its first {} is the bench database's name,
    the others ``literals``."""
    from psycopg2 import sql

    connection, name = maintenance_connection(database_url)
    with contextlib.closing(connection), connection.cursor() as cursor:
        cursor.execute(sql.SQL(statement).format(sql.Identifier(name), *map(sql.Literal, literals)))


def prepare(people: int, database_url: str, redis_url: str, reuse: bool, secret_key: str) -> dict:
    """Generate (or reuse) the database, empty the cache, log the roles in; return the pages to measure.

    Runs in a fresh interpreter per database: sets the environment (the server's database, cache and
    secret key, so that the sessions are valid whatever engine stores them), then sets Django up.
    """
    os.environ.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        SECRET_KEY=secret_key,
        DEBUG="0",
        BENCH_CACHE_PREFIX=str(people),
    )
    comment = database_marker(database_url)
    fresh = not (reuse and comment == marker(people))
    if fresh:
        if reuse:
            print(f"{database_url}: no complete data set of {people:,} people to reuse; generating it")
        run_on_server(database_url, "DROP DATABASE IF EXISTS {} WITH (FORCE)")
        run_on_server(database_url, "CREATE DATABASE {}")
    import django

    django.setup()
    from django.contrib.sessions.models import Session
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"{database_url}: {len(pending)} migrations applied in {time.perf_counter() - started:.1f} s")
    if pending and not fresh:  # e.g. a new expression index: the planner needs its statistics
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    seconds = None
    if fresh:
        print(f"generating {people:,} people …", flush=True)
        started = time.perf_counter()
        Generator(people).run()
        seconds = time.perf_counter() - started
        run_on_server(database_url, "COMMENT ON DATABASE {} IS {}", marker(people))
        print(f"generated in {seconds:.0f} s", flush=True)
    cache.clear()
    Session.objects.all().delete()
    refresh_statistics()
    pages, subjects = page_plan()
    return {
        "people": people,
        "database_url": database_url,
        "redis_url": redis_url,
        "generated": seconds,
        "pages": pages,
        "subjects": subjects,
    }


def refresh_statistics() -> None:
    """The dashboard's figures, as the job worker computes them (``manage.py refresh_stats``): the pages
    read them; print what each chart's queries took."""
    from stats import summary

    outcome = summary.refresh()
    timings = ", ".join(f"{chart} {seconds:.2f} s" for chart, seconds in outcome.seconds.items())
    print(
        f"统计分析 refreshed: {outcome.figures} figures in {sum(outcome.seconds.values()):.1f} s ({timings})"
    )


def login(username: str) -> str:
    """A session for the user, as ``django.contrib.auth.login`` would store it: its key."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model

    user = get_user_model().objects.get(username=username)
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[
        -1
    ]  # the one that loads users (axes checks first)
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return session.session_key


def id_search(session_key: str, number: str) -> str:
    """The ``?id=`` a POSTed 身份证号 search redirects to, remembered in the session as the view would."""
    from importlib import import_module

    from django.conf import settings

    from personnel import search

    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)
    request = type("Request", (), {"session": session})()
    query = search.query_for(request, number)
    session.save()
    return query.removeprefix("id=")


def page_plan() -> tuple[list[dict], dict]:
    """The pages ({label, role, path, cookie, follow_next}) and who the city and institution are.

    The city is the one with most 建材 transfers waiting for it; the institution the largest one there
    holding both kinds; the province's application the oldest 建材 transfer waiting for it, the city's
    the oldest one waiting for that city.
    """
    from django.db.models import Count, Exists, OuterRef
    from django.urls import reverse

    from certificates.models import PostCertificate
    from institutions.models import City, Institution
    from reviews.models import Application, Decision

    transfers = Application.objects.filter(type="transfer", module_jc=True).order_by("submitted_at", "pk")
    waiting_cities = transfers.filter(state="pending_city").values("cities").annotate(n=Count("pk"))
    city = City.objects.get(pk=waiting_cities.order_by("-n", "cities").values_list("cities", flat=True)[0])
    institution = (
        Institution.objects.filter(city=city, qualifications__kind="JC")
        .filter(qualifications__kind="DJ")
        .annotate(n=Count("people", distinct=True))
        .order_by("-n", "pk")
        .first()
    )
    decided = Decision.objects.filter(application=OuterRef("pk"), city=city, round=OuterRef("round"))
    for_city = transfers.filter(state="pending_city", cities=city).exclude(Exists(decided)).first()
    for_province = transfers.filter(state="pending_province").first()
    certificate = PostCertificate.objects.filter(kind="JC", status="normal").order_by("pk")
    certificate = certificate.filter(pk__gte=certificate.count() // 2).select_related("holder").first()
    id_number, surname = certificate.holder.id_number, SURNAMES[0]

    def url(name, *args, **query) -> str:
        """The path of a named URL, with a query string."""
        return reverse(name, args=args) + ("?" + urlencode(query) if query else "")

    cookies = {
        "province": login("province"),
        "bench-admin": login("bench-admin"),
        "city": login(f"city-{city.code}"),
        "institution": login(institution.users.get().username),
    }

    def page(label, role, path, follow_next=0) -> dict:
        """follow_next: measure the page reached by following “下一页” that many times from ``path``."""
        cookie = cookies[role]
        return {"label": label, "role": role, "path": path, "cookie": cookie, "follow_next": follow_next}

    pages = [
        page("bare (logged in)", "province", url("bench_ok")),
        page("admin changelist Person", "bench-admin", url("admin:personnel_person_changelist")),
        page("empty frame", "province", url("bench_frame")),
        page("empty frame", "city", url("bench_frame")),
        page("empty frame", "institution", url("bench_frame")),
        page("home", "province", url("home")),
        page("人员基本信息", "province", url("person_list", "jc")),
        page(f"人员基本信息 ?q={surname}", "province", url("person_list", "jc", q=surname)),
        page(
            "人员基本信息 身份证号查询",
            "province",
            url("person_list", "jc", id=id_search(cookies["province"], id_number)),
        ),
        page("人员基本信息 ?q=证书编号", "province", url("person_list", "jc", q=certificate.number)),
        page(f"人员基本信息 第{DEEP_PAGE_HOPS + 1}页", "province", url("person_list", "jc"), DEEP_PAGE_HOPS),
        page("证书信息", "province", url("certificate_list", "jc")),
        page("待审核 人员变更", "province", url("review_queue", "jc", "transfer")),
        page("已审核 人员变更", "province", url("review_queue", "jc", "transfer", tab="done")),
        page("证书打印", "province", url("print_queue")),
        page("证书收回", "province", url("recovery_list")),
        page("证书收回 ?due=overdue", "province", url("recovery_list", due="overdue")),
        page("证书收回 ?sort=waiting", "province", url("recovery_list", sort="waiting")),
        page("待审核 人员变更 ?due=soon", "province", url("review_queue", "jc", "transfer", due="soon")),
        page("申请 待省级复核", "province", url("application_detail", for_province.pk)),
        page("统计分析", "province", url("stats_dashboard")),
        page("home", "city", url("home")),
        page("统计分析", "city", url("stats_dashboard")),
        page("人员基本信息", "city", url("person_list", "jc")),
        page("待审核 人员变更", "city", url("review_queue", "jc", "transfer")),
        page("待审核 人员变更 ?age=7", "city", url("review_queue", "jc", "transfer", age=7)),
        page("待审核 人员变更 ?due=overdue", "city", url("review_queue", "jc", "transfer", due="overdue")),
        page("已审核 人员变更", "city", url("review_queue", "jc", "transfer", tab="done")),
        page("申请 待市级审核", "city", url("application_detail", for_city.pk)),
        page("home", "institution", url("home")),
        page("人员基本信息", "institution", url("person_list", "jc")),
        page(f"人员基本信息 ?q={surname}", "institution", url("person_list", "jc", q=surname)),
        page("证书信息", "institution", url("certificate_list", "jc")),
        page("【诚信变更管理】人员变更调离", "institution", url("transfer_list")),
        page("添加变更", "institution", url("transfer_new")),
        page("添加注销", "institution", url("cancellation_new")),
    ]
    subjects = {"city": city.name, "institution": f"{institution.name}, {institution.n:,} people"}
    return pages, subjects


# --- Serving ---------------------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port on HOST that nothing listens on now."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def production_env(plan: dict, secret_key: str, static_root: str) -> dict:
    """The environment production runs with, for one prepared database (no TLS, so no SSL redirect)."""
    return os.environ | {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "JIANCE_PRODUCTION": "1",
        "SECRET_KEY": secret_key,
        "ALLOWED_HOSTS": HOST,
        "SECURE_SSL_REDIRECT": "0",
        "DB_CONN_MAX_AGE": "60",
        "DATABASE_URL": plan["database_url"],
        "REDIS_URL": plan["redis_url"],
        "BENCH_CACHE_PREFIX": str(plan["people"]),
        "STATIC_ROOT": static_root,
        # The bench measures pages, not the login: its sessions are written directly, with no second step.
        "OTP_REQUIRED_ROLES": "",
    }


def collectstatic(env: dict) -> None:
    """Production serves the manifest storage's hashed files: collect them first."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def fetch(port: int, path: str, cookie: str | None = None) -> tuple[int, str, float]:
    """GET ``path``: (status, body, seconds)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=300)
    started = time.perf_counter()
    try:
        connection.request("GET", path, headers={"Cookie": f"{COOKIE}={cookie}"} if cookie else {})
        response = connection.getresponse()
        body = response.read().decode("utf-8", "replace")
    finally:
        connection.close()
    return response.status, body, time.perf_counter() - started


class Server:
    """gunicorn, 2 sync workers, serving one database on a free port; stopped on leaving the block."""

    def __init__(self, env: dict, log_path: Path):
        """``env``: the production environment; gunicorn's output goes to ``log_path``."""
        self.env = env
        self.log_path = log_path
        self.port = free_port()

    def __enter__(self) -> Server:
        """Start gunicorn; return once it answers."""
        command = [sys.executable, "-m", "gunicorn", "jiance.wsgi:application", "--workers", "2"]
        command += ["--bind", f"{HOST}:{self.port}", "--timeout", "300", "--log-level", "warning"]
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        try:
            self.wait_until_answering()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        """Stop the server, whatever ended the block (an error, Ctrl-C)."""
        self.stop()

    def wait_until_answering(self, seconds: float = 60) -> None:
        """Poll until any HTTP answer; stop with gunicorn's log if it exits or stays silent."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited ({self.process.returncode}):\n{self.log_tail()}")
            with contextlib.suppress(OSError):
                fetch(self.port, "/bench/ok/")
                return
            time.sleep(0.2)
        raise SystemExit(f"gunicorn did not answer within {seconds:.0f} s:\n{self.log_tail()}")

    def stop(self) -> None:
        """SIGTERM to the gunicorn master (it stops its workers), SIGKILL after 20 s."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log_tail(self, lines: int = 40) -> str:
        """The end of gunicorn's output (tracebacks of failing requests land there)."""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


# --- Load ------------------------------------------------------------------------------------------


@dataclass
class Sample:
    """One measurement of one page: throughput, latency percentiles, failed requests."""

    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int = 0


WRK_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def wrk_load(port: int, path: str, cookie: str, connections: int, seconds: int) -> Sample:
    """Measure with wrk (one thread)."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "300s", "--latency"]
    command += ["-H", f"Cookie: {COOKIE}={cookie}", f"http://{HOST}:{port}{path}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout

    def number(pattern: str) -> float:
        match = re.search(pattern, out, re.MULTILINE)
        return float(match.group(1)) if match else 0.0

    def percentile(p: int) -> float:
        match = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.MULTILINE)
        return float(match.group(1)) * WRK_UNITS[match.group(2)] if match else math.nan

    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = int(number(r"Non-2xx or 3xx responses: (\d+)"))
    errors += sum(int(n) for n in socket_errors.groups()) if socket_errors else 0
    if not number(r"^\s*(\d+) requests in"):
        return Sample(0.0, math.nan, math.nan, errors)
    return Sample(number(r"^Requests/sec:\s+([\d.]+)"), percentile(50), percentile(99), errors)


def python_load(port: int, path: str, cookie: str, connections: int, seconds: int) -> Sample:
    """Measure with ``connections`` threads, each sending requests back to back until the deadline
    (keep-alive http.client connections, which reconnect when the server closes them)."""
    deadline = time.perf_counter() + seconds
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections
    headers = {"Cookie": f"{COOKIE}={cookie}"}

    def client(i: int) -> None:
        connection = http.client.HTTPConnection(HOST, port, timeout=300)
        while (started := time.perf_counter()) < deadline:
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                errors[i] += 1
                connection.close()
                continue
            finished = time.perf_counter()
            if finished > deadline:
                break
            latencies[i].append(finished - started)
            errors[i] += response.status >= 400
        connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    times = sorted(t for own in latencies for t in own)
    if not times:
        return Sample(0.0, math.nan, math.nan, sum(errors))

    def percentile(p: int) -> float:
        return times[min(len(times) - 1, math.ceil(p / 100 * len(times)) - 1)] * 1000

    return Sample(len(times) / seconds, percentile(50), percentile(99), sum(errors))


class NextLink(HTMLParser):
    """Finds the href of the first link whose text is “下一页”."""

    def __init__(self):
        super().__init__()
        self.href: str | None = None
        self.current: str | None = None
        self.text = ""

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.current, self.text = dict(attrs).get("href"), ""

    def handle_data(self, data):
        if self.current is not None:
            self.text += data

    def handle_endtag(self, tag):
        if tag == "a" and self.current is not None:
            if self.href is None and self.text.strip() == "下一页":
                self.href = self.current
            self.current = None


# --- The run ---------------------------------------------------------------------------------------


@dataclass
class Target:
    """One page of one database's server, with its samples."""

    label: str
    role: str
    port: int
    path: str
    cookie: str
    samples: list[Sample] = field(default_factory=list)

    @property
    def name(self) -> str:
        """ "page (role)", as in the table and as ``--only`` matches it."""
        return f"{self.label} ({self.role})"

    def median(self, attribute: str) -> float:
        """Median over the rounds of one of the samples' figures."""
        return statistics.median(getattr(s, attribute) for s in self.samples)

    @property
    def errors(self) -> int:
        """Failed requests over all rounds."""
        return sum(s.errors for s in self.samples)


def fetch_page(port: int, path: str, cookie: str) -> tuple[int, str]:
    """GET ``path``: (status, body)."""
    return fetch(port, path, cookie)[:2]


def follow_next(get, path: str, hops: int) -> str:
    """The URL reached from ``path`` by following the list's own “下一页” link ``hops`` times;
    ``get(path)`` answers (status, body)."""
    for hop in range(hops):
        status, body = get(path)
        if status != 200:
            raise SystemExit(f"{path}: HTTP {status} while following 下一页")
        parser = NextLink()
        parser.feed(body)
        if parser.href is None:
            print(f"  no 下一页 link on {path} after {hop} hops: measuring that page")
            return path
        path = urljoin(path, parser.href)
    return path


def check(server: Server, target: Target) -> None:
    """The page must answer 200 (this also warms it up); else stop with its URL and status."""
    status, _, seconds = fetch(server.port, target.path, target.cookie)
    url = f"http://{HOST}:{server.port}{target.path}"
    if status != 200:
        raise SystemExit(f"{target.name}: HTTP {status} for {url}\n{server.log_tail()}")
    slow = "  ← slow" if seconds > 1 else ""
    print(f"  200 {seconds * 1000:7.0f} ms  {target.name}: {url}{slow}", flush=True)


def prepare_all(args, sizes: list[int], secret_key: str) -> list[dict]:
    """``prepare`` for each size, each in a fresh interpreter (spawned, so Django starts anew).

    The cache of the first size is Redis database 15, of the second 14; with ``--redis-db`` both share
    that database, each size under its own key prefix.
    """
    plans = []
    for i, people in enumerate(sizes):
        url = args.database_url or f"postgres://postgres@127.0.0.1:5432/jiance_bench_{people}"
        if "bench" not in url.rsplit("/", 1)[-1]:
            raise SystemExit(
                f"{url}: the database is dropped and recreated, so its name must contain 'bench'"
            )
        redis_url = (
            args.redis_url or f"redis://127.0.0.1:6379/{15 - i if args.redis_db is None else args.redis_db}"
        )
        with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
            plans.append(pool.submit(prepare, people, url, redis_url, args.reuse, secret_key).result())
    return plans


def measure(args, load, servers: list[Server], plans: list[dict]) -> list[list[Target]]:
    """Check every page, then ``load`` them all once per round, the sizes alternating page by page."""
    only = re.compile(args.only) if args.only else None
    per_size = []
    for server, plan in zip(servers, plans, strict=True):
        print(f"{plan['people']:,} people: city {plan['subjects']['city']}, "
              f"institution {plan['subjects']['institution']}")  # fmt: skip
        targets = []
        for i, page in enumerate(plan["pages"]):
            target = Target(page["label"], page["role"], server.port, page["path"], page["cookie"])
            if i >= 2 and only and not only.search(target.name):  # the two references always run
                continue
            if page["follow_next"]:
                get = functools.partial(fetch_page, server.port, cookie=target.cookie)
                target.path = follow_next(get, target.path, page["follow_next"])
            check(server, target)
            targets.append(target)
        per_size.append(targets)
    for round_ in range(1, args.rounds + 1):
        started = time.perf_counter()
        for row in zip(*per_size, strict=True):
            for target in row:
                target.samples.append(
                    load(target.port, target.path, target.cookie, args.connections, args.seconds)
                )
        print(f"round {round_}/{args.rounds}: {time.perf_counter() - started:.0f} s", flush=True)
    return per_size


# --- Report ----------------------------------------------------------------------------------------


def width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def short(people: int) -> str:
    """10000 → 10k, 1000000 → 1M."""
    return f"{people // 1_000_000}M" if people % 1_000_000 == 0 else f"{people / 1000:g}k"


def figure(value: float, digits: int = 1) -> str:
    """A table cell: the number, or a dash when there was none."""
    return "—" if math.isnan(value) else f"{value:,.{digits}f}"


def report(args, loader: str, plans: list[dict], per_size: list[list[Target]]) -> None:
    """The note on how it was measured, then the table (of the largest size, when comparing)."""
    targets = per_size[-1]
    bare, admin = targets[0].median("requests_per_s"), targets[1].median("requests_per_s")
    data = "; ".join(
        f"{plan['people']:,} people, "
        + (f"generated in {plan['generated']:.0f} s" if plan["generated"] else "reused")
        for plan in plans
    )
    print()
    print(f"machine: {os.cpu_count()} cores, shared (read the ratios); load: {loader}, "
          f"{args.connections} connections, {args.seconds} s × {args.rounds} rounds, pages alternating")  # fmt: skip
    print(f"server: gunicorn, 2 sync workers, JIANCE_PRODUCTION=1; data: {data}")
    header = ["page (role)", "req/s", "p50 ms", "p99 ms", "% of bare", "× admin"]
    if len(per_size) == 2:
        header.append(f"p50 {short(plans[1]['people'])}÷{short(plans[0]['people'])}")
    rows = []
    for i, target in enumerate(targets):
        rps = target.median("requests_per_s")
        row = [target.name + (" !" if target.errors else "")]
        row += [figure(rps), figure(target.median("p50_ms")), figure(target.median("p99_ms"))]
        row += [figure(100 * rps / bare) if bare else "—", figure(rps / admin, 2) if admin else "—"]
        if len(per_size) == 2:
            row.append(figure(target.median("p50_ms") / per_size[0][i].median("p50_ms"), 2))
        rows.append(row)
    widths = [max(width(r[c]) for r in [header, *rows]) for c in range(len(header))]
    for r in [header, *rows]:
        cells = [r[0] + " " * (widths[0] - width(r[0]))]
        cells += [" " * (widths[c] - width(r[c])) + r[c] for c in range(1, len(r))]
        print("  ".join(cells))
    for plan, size in zip(plans, per_size, strict=True):
        for target in (t for t in size if t.errors):
            print(
                f"! {short(plan['people'])} {target.name}: {target.errors} failed requests (status ≥ 400, socket errors)"
            )


def parse_args() -> argparse.Namespace:
    """The command line (see the module's docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--compare", help="two sizes, e.g. 10000,1000000: both served, a p50 ratio column")
    parser.add_argument("--database-url", help="default postgres://postgres@127.0.0.1:5432/jiance_bench_<N>")
    parser.add_argument("--redis-url", help="default redis://127.0.0.1:6379/15 (the second size: 14)")
    parser.add_argument("--reuse", action="store_true", help="keep a database generated for the same N")
    parser.add_argument("--seconds", type=int, default=5, help="per measurement")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--redis-db", type=int, help="one Redis database for the cache (default 15 and 14)")
    parser.add_argument("--only", help="regex on 'page (role)': measure only those (and the two references)")
    args = parser.parse_args()
    if args.compare and args.database_url:
        parser.error("--database-url names one database; --compare uses the default names")
    return args


def main() -> None:
    """Prepare each database, serve it, measure, report; the servers stop whatever happens."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwind (stopping the servers) as on Ctrl-C
    args = parse_args()
    sizes = sorted(int(n) for n in args.compare.split(",")) if args.compare else [args.people]
    if len(sizes) not in (1, 2):
        raise SystemExit("--compare takes two sizes")
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        raise SystemExit("gunicorn is missing: .venv/bin/pip install -e '.[dev]'") from None
    if shutil.which("wrk"):
        load, loader = wrk_load, "wrk -t1"
    else:
        print("wrk is not on PATH: measuring with the built-in Python load generator")
        load, loader = python_load, "Python generator (wrk is not on PATH)"
    secret_key = secrets.token_urlsafe(50)
    plans = prepare_all(args, sizes, secret_key)
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp, contextlib.ExitStack() as stack:
        envs = [production_env(plan, secret_key, str(Path(tmp, "static"))) for plan in plans]
        collectstatic(envs[0])
        servers = [
            stack.enter_context(Server(env, Path(tmp, f"gunicorn-{i}.log"))) for i, env in enumerate(envs)
        ]
        per_size = measure(args, load, servers, plans)
    report(args, loader, plans, per_size)


if __name__ == "__main__":
    main()
