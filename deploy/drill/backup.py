#!/usr/bin/env python3
"""Backup drill: fill, back up (database dump, then bucket sync), wipe, restore in reverse (bucket,
then database), check. Exits non-zero on any mismatch.

    .venv/bin/python deploy/drill/backup.py sqlite      # SQLite file + uploads on local disk
    .venv/bin/python deploy/drill/backup.py postgres    # PostgreSQL (pg_dump/pg_restore) + S3 (moto server)
    ... --break                                          # lose one scan after the restore: must exit 1

Everything lives in a temporary folder (and, for postgres, the database DRILL_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/jiance_ops_drill, dropped and recreated). The data: the demo set
and three transfers filed and received through HTTP (Django's test client), 15 scans.
"""

import argparse
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
TRANSFERS = [  # person, filer, receiver account, receiving institution
    ("王强", "nj-jc", "sz-jc", "苏州建科建材检测有限公司"),
    ("刘洋", "sz-jc", "wx-dual", "无锡市建设工程质量检测中心"),
    ("陈静", "wx-dual", "sz-jc", "苏州建科建材检测有限公司"),
]
COUNTED = ["reviews.Application", "reviews.Attachment", "reviews.Decision", "django_fsm_log.StateLog"]


def say(text: str) -> None:
    print(f"[drill] {text}", flush=True)


def manage(env: dict, *args: str, check=True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if check and result.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result


def fill(env: dict) -> None:
    """Runs in a child process with the drill's environment: the transfers, through HTTP."""
    code = f"""
import io, django
django.setup()
from django.test import Client
from django.urls import reverse
from PIL import Image
from django.core.files.uploadedfile import SimpleUploadedFile
from institutions.models import Institution, User
from personnel.models import Person
from reviews.models import Application

def jpeg(name, shade):
    buf = io.BytesIO()
    Image.new("RGB", (120, 90), (200, shade, 40)).save(buf, "JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")

def client(username):
    c = Client()
    c.force_login(User.objects.get(username=username))
    return c

for i, (person, filer, receiver, institution) in enumerate({TRANSFERS!r}):
    r = client(filer).post(reverse("transfer_new"), {{
        "person": Person.objects.get(name=person).pk,
        "receiving_institution": Institution.objects.get(name=institution).pk,
        "termination": jpeg("解除劳动关系证明.jpg", i)}})
    assert r.status_code == 302, r.content[:500]
    pk = int(r["Location"].rstrip("/").split("/")[-1])
    r = client(receiver).post(reverse("application_accept", args=[pk]), {{
        "labour_contract": [jpeg("1.jpg", i + 10), jpeg("2.jpg", i + 20)],
        "social_security": [jpeg("社保.jpg", i + 30)],
        "certificate_scan": [jpeg("上岗证.jpg", i + 40)]}})
    assert r.status_code == 302, r.content[:500]
"""
    result = subprocess.run([PYTHON, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"filling failed:\n{result.stderr[-3000:]}")


def counts(env: dict) -> dict:
    code = (
        "import django; django.setup()\nfrom django.apps import apps\n"
        f"for label in {COUNTED!r}: print(label, apps.get_model(label).objects.count())"
    )
    out = subprocess.run([PYTHON, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return dict(line.rsplit(" ", 1) for line in out.stdout.splitlines())


# --- SQLite + local files ------------------------------------------------------------------------


class Local:
    def __init__(self, work: Path):
        self.db, self.media, self.backup = work / "db.sqlite3", work / "media", work / "backup"
        self.env = {"DATABASE_URL": f"sqlite:///{self.db}", "MEDIA_ROOT": str(self.media)}

    def start(self):
        pass

    def stop(self):
        pass

    def dump(self):
        self.backup.mkdir()
        with sqlite3.connect(self.db) as live, sqlite3.connect(self.backup / "db.sqlite3") as copy:
            live.backup(copy)  # a consistent snapshot even while the app writes

    def sync_bucket(self):
        shutil.copytree(self.media, self.backup / "media")

    def wipe(self):
        self.db.unlink()
        shutil.rmtree(self.media)

    def restore_bucket(self):
        shutil.copytree(self.backup / "media", self.media)

    def restore_database(self):
        shutil.copy2(self.backup / "db.sqlite3", self.db)

    def lose_one_file(self):
        next(p for p in sorted(self.media.rglob("*.jpg"))).unlink()


# --- PostgreSQL + S3 (moto) ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Remote:
    BUCKET, BACKUP_BUCKET = "jiance-drill", "jiance-drill-backup"

    def __init__(self, work: Path):
        self.work = work
        self.url = os.environ.get("DRILL_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/jiance_ops_drill")
        parsed = urlparse(self.url)
        self.dbname = parsed.path.lstrip("/")
        self.pg = [
            "-h",
            parsed.hostname or "127.0.0.1",
            "-p",
            str(parsed.port or 5432),
            "-U",
            parsed.username,
        ]
        self.endpoint = f"http://127.0.0.1:{free_port()}"
        self.env = {
            "DATABASE_URL": self.url,
            "S3_BUCKET": self.BUCKET,
            "S3_ENDPOINT_URL": self.endpoint,
            "S3_ACCESS_KEY_ID": "drill",
            "S3_SECRET_ACCESS_KEY": "drill",
            "S3_REGION": "us-east-1",
        }

    def start(self):
        import boto3
        from botocore.config import Config

        moto = Path(PYTHON).parent / "moto_server"
        port = urlparse(self.endpoint).port
        self.moto = subprocess.Popen(
            [str(moto), "-H", "127.0.0.1", "-p", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.s3 = boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id="drill",
            aws_secret_access_key="drill",
            region_name="us-east-1",
            config=Config(proxies={}),
        )
        for _ in range(100):
            try:
                self.s3.create_bucket(Bucket=self.BUCKET)
                break
            except Exception:
                time.sleep(0.1)
        self.s3.create_bucket(Bucket=self.BACKUP_BUCKET)
        self.recreate_database()

    def stop(self):
        self.moto.terminate()
        self.moto.wait()
        self.drop_database()

    def psql(self, sql: str):
        subprocess.run(["psql", *self.pg, "-d", "postgres", "-qc", sql], check=True, capture_output=True)

    def drop_database(self):
        self.psql(f'DROP DATABASE IF EXISTS "{self.dbname}" WITH (FORCE)')

    def recreate_database(self):
        self.drop_database()
        self.psql(f'CREATE DATABASE "{self.dbname}"')

    def keys(self, bucket: str) -> dict:
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        return {o["Key"]: o["Size"] for page in pages for o in page.get("Contents", [])}

    def sync(self, source: str, target: str):
        """What `aws s3 sync` / `rclone sync` do: copy what the target lacks or holds at another size."""
        have = self.keys(target)
        for key, size in self.keys(source).items():
            if have.get(key) != size:
                self.s3.copy_object(Bucket=target, Key=key, CopySource={"Bucket": source, "Key": key})

    def dump(self):
        dump = self.work / "jiance.dump"
        subprocess.run(["pg_dump", *self.pg, "-Fc", "-f", str(dump), self.dbname], check=True)

    def sync_bucket(self):
        self.sync(self.BUCKET, self.BACKUP_BUCKET)

    def wipe(self):
        self.drop_database()
        for key in self.keys(self.BUCKET):
            self.s3.delete_object(Bucket=self.BUCKET, Key=key)

    def restore_bucket(self):
        self.sync(self.BACKUP_BUCKET, self.BUCKET)

    def restore_database(self):
        self.psql(f'CREATE DATABASE "{self.dbname}"')
        subprocess.run(
            ["pg_restore", *self.pg, "--no-owner", "-d", self.dbname, str(self.work / "jiance.dump")],
            check=True,
        )

    def lose_one_file(self):
        self.s3.delete_object(Bucket=self.BUCKET, Key=sorted(self.keys(self.BUCKET))[0])


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("mode", choices=["sqlite", "postgres"])
    parser.add_argument("--break", dest="lose", action="store_true", help="lose one scan after the restore")
    args = parser.parse_args()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="jiance-drill-") as tmp:
        site = (Local if args.mode == "sqlite" else Remote)(Path(tmp))
        base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "S3_BUCKET", "REDIS_URL")}
        env = {
            **base,
            **site.env,
            "DJANGO_SETTINGS_MODULE": "jiance.settings",
            "ALLOWED_HOSTS": "testserver",
            "JIANCE_PRODUCTION": "0",
            "DEBUG": "0",
        }
        site.start()
        try:
            say(f"{args.mode}: migrate, seed_demo, three transfers with scans through HTTP")
            manage(env, "migrate", "-v0")
            manage(env, "seed_demo")
            fill(env)
            before = counts(env)
            say(f"before: {before}")
            say(manage(env, "check_attachments").stdout.strip())
            say("backup: 1. database dump, 2. bucket sync")
            site.dump()
            site.sync_bucket()
            say("wipe: database and bucket")
            site.wipe()
            say("restore: 1. bucket, 2. database")
            site.restore_bucket()
            site.restore_database()
            if args.lose:
                site.lose_one_file()
                say("--break: one scan lost after the restore")
            after = counts(env)
            say(f"after:  {after}")
            check = manage(env, "check_attachments", check=False)
            say((check.stdout + check.stderr).strip())
        finally:
            site.stop()
    ok = check.returncode == 0 and before == after
    say(f"{'OK' if ok else 'MISMATCH'} in {time.monotonic() - started:.1f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
