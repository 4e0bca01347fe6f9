#!/usr/bin/env python3
"""Fault drill: the production stack on loopback, faults injected mid-run, nothing lost or doubled.

    .venv/bin/python deploy/drill/faults.py [--rounds 30]      (as root, on Debian 12; about 2 minutes)

It starts, all on free 127.0.0.1 ports and in a temporary folder: its OWN PostgreSQL cluster (initdb +
pg_ctl as the postgres user; the machine's server on 5432 is never touched), its own Redis, a moto S3
server, two gunicorn app servers with production settings (deploy/gunicorn.conf.py) and, when the
command exists, the job worker (manage.py db_worker), behind nginx running deploy/nginx/jiance.conf
(only ports, paths, certificate and app server addresses replaced). Then, as the demo accounts over
HTTPS through nginx, it walks rounds of a transfer with scans (南京华宁 files 王强 to 苏州建科 with the
解除劳动关系证明, 苏州建科 receives with five scans, 南京华宁 withdraws it) and finally one whole transfer
to 已通过 (both cities, then the province). Meanwhile it kills one app server (SIGKILL) and restarts
PostgreSQL (pg_ctl restart -m fast).

After an error the client does what the error page says: it checks the list (here: the database) before
trying again. At the end it prints the errors seen, rows lost (a step the client saw succeed that the
database does not hold) and rows duplicated (more applications, scans or transitions than the client
made), and exits non-zero unless both are 0 and the final transfer is approved.
"""

import argparse
import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import psycopg2
import requests
import urllib3
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
VENV = Path(sys.executable).parent
PG_BIN = Path("/usr/lib/postgresql/15/bin")
PASSWORD = "Jiance@2026"
PERSON, FILER, RECEIVER = "王强", "nj-jc", "sz-jc"
RECEIVING = "苏州建科建材检测有限公司"
SCANS_PER_APPLICATION = 6  # 1 filed + 5 on receipt
FINAL_SCANS = 4  # the whole transfer: 1 filed + 3 on receipt
urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)


def say(text: str) -> None:
    print(f"[faults {time.strftime('%H:%M:%S')}] {text}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what: str, check, seconds=30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{what} did not come up within {seconds} s")


def answers(url: str) -> bool:
    return requests.get(url, timeout=2, verify=False).status_code < 500


# --- the stack ---------------------------------------------------------------------------------------


class Stack:
    def __init__(self, work: Path):
        self.work = work
        self.processes: dict[str, subprocess.Popen] = {}
        self.pg_port, self.redis_port, self.s3_port = free_port(), free_port(), free_port()
        self.app_ports = [free_port(), free_port()]
        self.http_port, self.https_port = free_port(), free_port()
        self.pgdata = work / "pgdata"
        self.static = work / "staticfiles"
        self.base = f"https://127.0.0.1:{self.https_port}"
        self.db_url = f"postgres://postgres@127.0.0.1:{self.pg_port}/jiance"
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_", "S3_"))}
        self.env = {
            **keep,
            "DJANGO_SETTINGS_MODULE": "jiance.settings",
            "JIANCE_PRODUCTION": "1",
            "SECRET_KEY": "drill-" + "k" * 60,
            "ALLOWED_HOSTS": "127.0.0.1",
            "CSRF_TRUSTED_ORIGINS": self.base,
            "DATABASE_URL": self.db_url,
            "DB_CONN_MAX_AGE": "60",
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "S3_BUCKET": "jiance-faults",
            "S3_ENDPOINT_URL": f"http://127.0.0.1:{self.s3_port}",
            "S3_ACCESS_KEY_ID": "drill",
            "S3_SECRET_ACCESS_KEY": "drill",
            "S3_REGION": "us-east-1",
            "STATIC_ROOT": str(self.static),
            "CLIENT_IP_HEADER": "HTTP_X_REAL_IP",
            "OTP_REQUIRED_ROLES": "",
            "LOG_LEVEL": "ERROR",
            "WEB_CONCURRENCY": "2",
            "GUNICORN_ACCESS_LOG": str(work / "access.log"),
        }

    def spawn(self, name: str, args: list, **kw) -> subprocess.Popen:
        log = open(self.work / f"{name}.log", "ab")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(
            args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=ROOT, **kw
        )
        self.processes[name] = process
        return process

    def as_postgres(self, *args: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", *args], check=True, capture_output=True)

    def start_postgres(self) -> None:
        self.pgdata.mkdir()
        shutil.chown(self.pgdata, "postgres", "postgres")
        self.as_postgres(str(PG_BIN / "initdb"), "-D", str(self.pgdata), "-A", "trust", "-U", "postgres")
        self.pg_ctl("start")
        subprocess.run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.pg_port),
                "-U",
                "postgres",
                "-qc",
                "CREATE DATABASE jiance",
            ],
            check=True,
        )

    def pg_ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.pg_port} -k {self.pgdata} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.as_postgres(
            str(PG_BIN / "pg_ctl"), "-D", str(self.pgdata), "-w", "-l", str(self.pgdata / "log"),
            "-o", options, action, *extra,
        )  # fmt: skip

    def manage(self, *args: str) -> None:
        subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, check=True, capture_output=True
        )

    def start(self) -> None:
        os.chmod(self.work, 0o755)  # nginx's workers read the static files
        self.start_postgres()
        self.spawn(
            "redis", ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", ""]
        )
        self.spawn("moto", [str(VENV / "moto_server"), "-H", "127.0.0.1", "-p", str(self.s3_port)])
        wait_for("moto", lambda: answers(self.env["S3_ENDPOINT_URL"]))
        import boto3

        boto3.client(
            "s3",
            endpoint_url=self.env["S3_ENDPOINT_URL"],
            aws_access_key_id="drill",
            aws_secret_access_key="drill",
            region_name="us-east-1",
        ).create_bucket(Bucket="jiance-faults")
        say("migrate, seed_demo, collectstatic")
        self.manage("migrate", "-v0")
        self.manage("seed_demo", "--force")
        self.clear_password_change()
        self.manage("collectstatic", "--noinput", "-v0")
        for i, port in enumerate(self.app_ports):
            self.start_app(i, port)
        if (
            subprocess.run(
                [sys.executable, "manage.py", "help", "db_worker"],
                cwd=ROOT,
                env=self.env,
                capture_output=True,
            ).returncode
            == 0
        ):
            self.spawn("worker", [sys.executable, "manage.py", "db_worker"], env=self.env)
            say("job worker: manage.py db_worker started")
        else:
            say("job worker: no manage.py db_worker in this version, none started")
        self.start_nginx()

    def clear_password_change(self) -> None:
        """seed_demo --force asks every demo account to change its password; the drill logs in as them."""
        with psycopg2.connect(self.db_url) as db, db.cursor() as cursor:
            cursor.execute("UPDATE institutions_user SET must_change_password = false")

    def start_app(self, i: int, port: int) -> None:
        env = {**self.env, "GUNICORN_BIND": f"127.0.0.1:{port}"}
        args = [str(VENV / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "jiance.wsgi:application"]
        self.spawn(f"app{i}", args, env=env)
        wait_for(f"app server {i}", lambda: answers(f"http://127.0.0.1:{port}/healthz"))

    def start_nginx(self) -> None:
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
             "-keyout", self.work / "key.pem", "-out", self.work / "cert.pem"],
            check=True, capture_output=True,
        )  # fmt: skip
        site = (ROOT / "deploy/nginx/jiance.conf").read_text()
        upstreams = "".join(
            f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;\n" for p in self.app_ports
        )
        for old, new in [
            ("    server 127.0.0.1:8000 max_fails=1 fail_timeout=10s;\n", upstreams),
            ("listen 80;", f"listen 127.0.0.1:{self.http_port};"),
            ("listen 443 ssl http2;", f"listen 127.0.0.1:{self.https_port} ssl http2;"),
            ("    listen [::]:80;\n", ""),
            ("    listen [::]:443 ssl http2;\n", ""),
            ("/etc/ssl/jiance/fullchain.pem", str(self.work / "cert.pem")),
            ("/etc/ssl/jiance/privkey.pem", str(self.work / "key.pem")),
            ("/var/log/nginx/", f"{self.work}/nginx-"),
            ("/srv/jiance/staticfiles", str(self.static)),
        ]:
            assert old in site, old
            site = site.replace(old, new)
        (self.work / "site.conf").write_text(site)
        (self.work / "nginx.conf").write_text(
            f"pid {self.work}/nginx.pid;\nerror_log {self.work}/nginx-main.log;\nevents {{}}\n"
            f"http {{ include /etc/nginx/mime.types; include {self.work}/site.conf; }}\n"
        )
        self.spawn(
            "nginx", ["nginx", "-c", str(self.work / "nginx.conf"), "-p", str(self.work), "-g", "daemon off;"]
        )
        wait_for("nginx", lambda: answers(f"{self.base}/healthz"))

    def kill_app(self, i: int) -> None:
        os.killpg(self.processes[f"app{i}"].pid, signal.SIGKILL)

    def stop(self) -> None:
        for process in reversed(list(self.processes.values())):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        if (self.pgdata / "postmaster.pid").exists():
            self.pg_ctl("stop", "-m", "immediate")


# --- the client --------------------------------------------------------------------------------------


class Ledger:
    def __init__(self):
        self.errors: Counter = Counter()
        self.requests = 0
        self.confirmed: list[tuple[int, str]] = []  # (application, what the client saw succeed)
        self.known: set[int] = set()  # every application the client filed (seen or found on the list)


class User:
    def __init__(self, base: str, username: str, ledger: Ledger):
        self.base, self.username, self.ledger = base, username, ledger
        self.session = requests.Session()
        self.session.verify = False
        self.session.trust_env = False
        self.logged_in = False

    def login(self) -> bool:
        page = self.request("GET", "/accounts/login/")
        if page is None or page.status_code != 200:
            return False
        token = page.text.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
        done = self.request(
            "POST", "/accounts/login/",
            data={"csrfmiddlewaretoken": token, "username": self.username, "password": PASSWORD},
        )  # fmt: skip
        self.logged_in = done is not None and done.status_code == 302
        return self.logged_in

    def request(self, method: str, path: str, **kw):
        self.ledger.requests += 1
        headers = {"Referer": self.base + path}
        try:
            response = self.session.request(
                method, self.base + path, headers=headers, allow_redirects=False, timeout=90, **kw
            )
        except requests.RequestException as e:
            self.ledger.errors[f"{method} {type(e).__name__}"] += 1
            return None
        if response.status_code >= 500:
            self.ledger.errors[f"{method} {response.status_code}"] += 1
            if "系统繁忙，请稍后重试" in response.text:
                self.ledger.errors["… of them the Chinese 系统繁忙 page"] += 1
        return response

    def post(self, path: str, data=None, files=None) -> bool:
        """A POST with the form's CSRF token; True when the app answered with its redirect (success)."""
        if not self.logged_in and not self.login():
            return False
        token = self.session.cookies.get("__Host-csrftoken")
        response = self.request(
            "POST", path, data={"csrfmiddlewaretoken": token, **(data or {})}, files=files
        )
        return (
            response is not None
            and response.status_code == 302
            and "/accounts/login" not in response.headers.get("Location", "")
        )


def jpeg(name: str, shade: int):
    buf = io.BytesIO()
    Image.new("RGB", (160, 120), (200, shade % 250, 60)).save(buf, "JPEG")
    return (name, buf.getvalue(), "image/jpeg")


class Walk:
    def __init__(self, stack: Stack, ledger: Ledger):
        self.stack, self.ledger = stack, ledger
        self.users = {
            u: User(stack.base, u, ledger) for u in (FILER, RECEIVER, "nanjing", "suzhou", "province")
        }
        self.db = psycopg2.connect(stack.db_url)
        self.db.autocommit = True
        self.person = self.one("SELECT id FROM personnel_person WHERE name = %s", PERSON)
        self.receiving = self.one("SELECT id FROM institutions_institution WHERE name = %s", RECEIVING)
        self.shade = 0

    def one(self, sql: str, *params):
        """Read the database, reconnecting after the restart (the client's own connection)."""
        for _ in range(60):
            try:
                with self.db.cursor() as cursor:
                    cursor.execute(sql, params)
                    row = cursor.fetchone()
                    return row[0] if row else None
            except psycopg2.Error:
                time.sleep(0.5)
                try:
                    self.db = psycopg2.connect(self.stack.db_url)
                    self.db.autocommit = True
                except psycopg2.Error:
                    pass
        raise SystemExit("the drill's database did not come back")

    def open_application(self):
        return self.one(
            "SELECT id FROM reviews_application WHERE person_id = %s AND state NOT IN "
            "('approved', 'withdrawn', 'refused') ORDER BY id DESC LIMIT 1",
            self.person,
        )

    def state(self, application: int) -> str:
        return self.one("SELECT state FROM reviews_application WHERE id = %s", application)

    def until(self, done, attempt, what: str):
        """Try ``attempt`` until ``done()`` holds; after any failure, check (the list) before trying again."""
        for _ in range(40):
            if done():
                return
            if attempt():
                return
            time.sleep(0.5)
        raise SystemExit(f"gave up: {what}")

    def file(self) -> int:
        filed = {}

        def attempt():
            self.shade += 1
            files = {"termination": jpeg("解除劳动关系证明.jpg", self.shade)}
            data = {"person": self.person, "receiving_institution": self.receiving}
            user = self.users[FILER]
            if not user.logged_in and not user.login():
                return False
            token = user.session.cookies.get("__Host-csrftoken")
            response = user.request(
                "POST", "/changes/transfers/new/", data={"csrfmiddlewaretoken": token, **data}, files=files
            )
            if (
                response is not None
                and response.status_code == 302
                and "/applications/" in response.headers["Location"]
            ):
                filed["id"] = int(response.headers["Location"].rstrip("/").split("/")[-1])
                self.ledger.confirmed.append((filed["id"], "filed"))
                return True
            return False

        def done():
            found = self.open_application()
            if found and "id" not in filed:
                filed["id"] = found  # it was saved after all: the list shows it
            return found is not None

        self.until(done, attempt, "filing")
        self.ledger.known.add(filed["id"])
        return filed["id"]

    def decided(self, application: int, username: str) -> bool:
        return bool(
            self.one(
                "SELECT count(*) FROM reviews_decision d JOIN institutions_user u ON u.id = d.reviewer_id "
                "WHERE d.application_id = %s AND u.username = %s",
                application,
                username,
            )
        )

    def step(
        self, application: int, user: str, path: str, target: set, what: str, data=None, scans=None, done=None
    ):
        def attempt():
            files = None
            if scans:
                self.shade += 1
                files = [(field, jpeg(name, self.shade)) for field, name in scans]
            if self.users[user].post(f"/applications/{application}/{path}/", data=data, files=files):
                self.ledger.confirmed.append((application, what))
                return True
            return False

        done = done or (lambda: self.state(application) in target)
        self.until(done, attempt, f"{what} {application}")

    def round(self) -> None:
        application = self.file()
        receipt = [
            ("labour_contract", "1.jpg"), ("labour_contract", "2.jpg"), ("social_security", "社保.jpg"),
            ("certificate_scan", "上岗证.jpg"), ("labour_contract", "3.jpg"),
        ]  # fmt: skip
        self.step(application, RECEIVER, "accept", {"pending_city"}, "accepted", scans=receipt)
        self.step(application, FILER, "withdraw", {"withdrawn"}, "withdrawn")

    def whole_transfer(self) -> int:
        application = self.file()
        receipt = [
            ("labour_contract", "1.jpg"),
            ("social_security", "社保.jpg"),
            ("certificate_scan", "证.jpg"),
        ]
        self.step(application, RECEIVER, "accept", {"pending_city"}, "accepted", scans=receipt)
        approve = {"decision": "approve", "opinion": "原件已核对，同意。"}
        for city in ("nanjing", "suzhou"):
            self.step(application, city, "decide", set(), f"approved by {city}", data=approve,
                      done=lambda city=city: self.decided(application, city))  # fmt: skip
        self.step(application, "province", "decide", {"approved"}, "approved", data=approve)
        return application


def verdict(walk: Walk, final: int) -> tuple[int, int, list[str]]:
    """Rows lost and duplicated, judged from the database against what the client saw."""
    ledger, lost, duplicated, notes = walk.ledger, 0, 0, []
    db = walk.db.cursor()
    db.execute("SELECT id, state FROM reviews_application WHERE person_id = %s", (walk.person,))
    states = dict(db.fetchall())
    extra = set(states) - ledger.known
    duplicated += len(extra)
    notes += [f"application {a} was made but never asked for" for a in sorted(extra)]
    for application, what in ledger.confirmed:
        if application not in states:
            lost += 1
            notes.append(f"application {application}: {what} was confirmed, the row is missing")
    db.execute(
        "SELECT application_id, count(*) FROM reviews_attachment WHERE application_id = ANY(%s) GROUP BY 1",
        (list(states),),
    )
    scans = dict(db.fetchall())
    for application in states:
        expected = FINAL_SCANS if application == final else SCANS_PER_APPLICATION
        have = scans.get(application, 0)
        if have > expected:
            duplicated += have - expected
            notes.append(f"application {application}: {have} scans, {expected} were sent")
        elif (application, "accepted") in ledger.confirmed and have < expected:
            lost += expected - have
            notes.append(f"application {application}: {have} scans, {expected} were confirmed")
    db.execute(
        # Each transition once per application and user (both cities run approve_city, once each).
        "SELECT l.object_id, l.transition, count(*) FROM django_fsm_log_statelog l "
        "JOIN django_content_type t ON t.id = l.content_type_id AND t.model = 'application' "
        "WHERE l.object_id::bigint = ANY(%s) GROUP BY l.object_id, l.transition, l.by_id HAVING count(*) > 1",
        (list(states),),
    )
    for object_id, transition, count in db.fetchall():
        duplicated += count - 1
        notes.append(f"application {object_id}: {transition} recorded {count} times")
    if states.get(final) != "approved":
        notes.append(f"the whole transfer {final} ended {states.get(final)}, not approved")
    return lost, duplicated, notes


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=30, help="rounds of file → receive → withdraw (30)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs)")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root: the drill starts its own PostgreSQL cluster as the postgres user")
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="jiance-faults-"))
    stack = Stack(work)
    faults: list[str] = []
    try:
        stack.start()
        say(
            f"stack up in {time.monotonic() - started:.0f} s: nginx {stack.base}, app servers {stack.app_ports}"
        )
        ledger = Ledger()
        walk = Walk(stack, ledger)
        kill_at, restart_at = args.rounds // 3, (2 * args.rounds) // 3

        def later(action, seconds=0.3):
            """From a thread, so that the fault lands while the round's requests are in flight."""
            thread = threading.Thread(target=lambda: (time.sleep(seconds), action()))
            thread.start()
            return thread

        threads = []

        def inject(now: int):
            if now == kill_at:
                threads.append(later(lambda: stack.kill_app(0)))
                faults.append(f"round {now}: app server 0 killed (SIGKILL), mid-round")
            if now == restart_at:
                threads.append(later(lambda: stack.pg_ctl("restart", "-m", "fast")))
                faults.append(f"round {now}: PostgreSQL restarted (pg_ctl restart -m fast), mid-round")

        for i in range(args.rounds):
            inject(i)
            walk.round()
        final = walk.whole_transfer()
        for thread in threads:
            thread.join()
        lost, duplicated, notes = verdict(walk, final)
        for fault in faults:
            say(fault)
        say(f"requests: {ledger.requests}; rounds: {args.rounds} + one whole transfer (application {final})")
        say("errors seen: " + (", ".join(f"{k}: {v}" for k, v in sorted(ledger.errors.items())) or "none"))
        for note in notes:
            say(note)
        check = subprocess.run(
            [sys.executable, "manage.py", "check_attachments"],
            cwd=ROOT,
            env=stack.env,
            capture_output=True,
            text=True,
        )
        say("check_attachments: " + (check.stdout + check.stderr).strip().splitlines()[-1])
        say(f"rows lost: {lost}")
        say(f"rows duplicated: {duplicated}")
        ok = lost == 0 and duplicated == 0 and not notes
    finally:
        stack.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            say(f"logs kept in {work}")
    say(f"{'OK' if ok else 'FAILED'} in {time.monotonic() - started:.0f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
