"""Export 100,000 people to .xlsx through the real view and print seconds and peak memory.

    .venv/bin/python bench/export_xlsx.py [--count 100000]

Uses its own SQLite file (/tmp/bench-export.sqlite3). The people are inserted with bulk_create
(their ID numbers are synthetic and not checksum-valid: the export does not validate).
"""

import argparse
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiance.settings")
os.environ["DATABASE_URL"] = "sqlite:////tmp/bench-export.sqlite3"
os.environ.setdefault("MEDIA_ROOT", "/tmp/bench-export-media")


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    args = parser.parse_args()
    Path("/tmp/bench-export.sqlite3").unlink(missing_ok=True)

    import django

    django.setup()
    from datetime import date

    from django.core.management import call_command
    from django.test import RequestFactory

    from certificates.models import PostCertificate
    from institutions.models import Institution, User
    from personnel.models import Person
    from personnel.views import person_list

    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0)
    institution = Institution.objects.get(name="南京华宁建材检测有限公司")
    for start in range(0, args.count, 5000):
        batch = range(start, min(start + 5000, args.count))
        people = Person.objects.bulk_create(
            Person(name=f"测试{i}", id_number=f"9{i:017d}", gender="男", birth_date=date(1990, 1, 1),
                   institution=institution)
            for i in batch
        )  # fmt: skip
        PostCertificate.objects.bulk_create(
            PostCertificate(kind="JC", number=f"苏JC-B-{p.pk:08d}", holder=p, institution=institution,
                            issued_on=date(2020, 1, 1))
            for p in people
        )  # fmt: skip
    print(f"rows: {Person.objects.count():,}  RSS after setup: {rss_mb():.0f} MB")

    request = RequestFactory().get("/m/jc/people/", {"format": "xlsx"})
    request.user = User.objects.get(username="province")
    before = rss_mb()
    started = time.perf_counter()
    response = person_list(request, "jc")  # over EXPORT_SYNC_MAX_ROWS: a job, and its page
    print(f"request answered {response.status_code} in {(time.perf_counter() - started) * 1000:.0f} ms")
    from jobs.models import Job

    started = time.perf_counter()
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    seconds = time.perf_counter() - started
    job = Job.objects.get()
    size = job.file.size
    print(
        f"worker exported {job.done:,} people in {seconds:.1f} s ({args.count / seconds:,.0f} rows/s), {size / 1e6:.1f} MB"
    )
    print(f"peak RSS {rss_mb():.0f} MB (before export {before:.0f} MB)")


if __name__ == "__main__":
    main()
