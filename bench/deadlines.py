"""办理时限 at provincial volume: the due-date queries and the recomputation on PostgreSQL.

Loads the demo data into an empty scratch database (its name must contain "bench"), adds N applications
(default 100,000) with SQL ``generate_series``: every process type, a third open (待接收, 待市级审核,
待省级复核) with due dates spread over four months around today and their cities, the rest closed; and
N/10 recoveries, a third 待交回. Then prints, for a city and the province: the 待审核 queue's first page in
due-date order, its 已超期 filter, the home page's overdue count, the 证书收回 已超期 list — each with its
time and whether the plan reads the due-date index — and the time to recompute every open due date after
a change of the 市级审核 limit.

    dropdb --if-exists -h 127.0.0.1 -U postgres jiance_bench_deadlines
    createdb -h 127.0.0.1 -U postgres jiance_bench_deadlines
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jiance_bench_deadlines \\
        .venv/bin/python bench/deadlines.py [--applications 100000]
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiance.settings")


def load(n: int) -> None:
    from django.core.management import call_command
    from django.db import connection

    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO reviews_application (type, state, subject_name, module_jc, module_dj, round,
                receiver_accepted, returned_to, created_at, submitted_at, institution_id, created_by_id,
                step_started_on, due_on)
            SELECT (ARRAY['transfer','reissue','cancellation','personnel_filing','institution_filing'])[1 + i %% 5],
                   s.state, '某某' || i, true, i %% 2 = 0, 1, false, '',
                   now() - (i %% 120) * interval '1 day', now() - (i %% 120) * interval '1 day',
                   (SELECT id FROM institutions_institution ORDER BY id LIMIT 1 OFFSET i %% 5),
                   (SELECT id FROM institutions_user WHERE username = 'province'),
                   CASE WHEN s.state IN ('pending_receipt','pending_city','pending_province')
                        THEN current_date - (i %% 120) END,
                   CASE WHEN s.state IN ('pending_receipt','pending_city','pending_province')
                        THEN current_date - (i %% 120) + 7 END
            FROM generate_series(1, %s) i,
                 LATERAL (SELECT (ARRAY['pending_receipt','pending_city','pending_province','approved',
                                        'approved','approved','withdrawn','returned','refused'])[1 + i %% 9] AS state) s
            """,
            [n],
        )
        cursor.execute(
            """
            INSERT INTO reviews_application_cities (application_id, city_id)
            SELECT a.id, c.id FROM reviews_application a
            JOIN institutions_city c ON c.id = 1 + a.id % 13
            WHERE a.state = 'pending_city'
            """
        )
        cursor.execute(
            """
            INSERT INTO certificates_recovery (state, tracking_number, created_at, application_id,
                certificate_id, step_started_on, due_on)
            SELECT (ARRAY['pending','mailed','recovered'])[1 + i %% 3], '', now(),
                   (SELECT id FROM reviews_application ORDER BY id LIMIT 1 OFFSET i),
                   (SELECT id FROM certificates_postcertificate ORDER BY id LIMIT 1 OFFSET i %% 10),
                   CASE WHEN i %% 3 = 0 THEN current_date - (i %% 120) END,
                   CASE WHEN i %% 3 = 0 THEN current_date - (i %% 120) + 14 END
            FROM generate_series(1, %s) i
            """,
            [n // 10],
        )
    print(f"loaded {n:,} applications and {n // 10:,} recoveries in {time.perf_counter() - started:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--applications", type=int, default=100_000)
    parser.add_argument("--reuse", action="store_true", help="measure the rows a previous run loaded")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres") or "bench" not in url.rsplit("/", 1)[-1]:
        raise SystemExit("DATABASE_URL must name a PostgreSQL database whose name contains 'bench'")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count

    n = args.applications
    call_command("migrate", verbosity=0)
    if not args.reuse:
        load(n)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # as autovacuum would have

    from certificates.models import Recovery
    from institutions.models import User
    from reviews.models import Application
    from workdays import deadlines
    from workdays.deadlines import overdue_condition

    def measure(label, queryset):
        sql, params = queryset.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, FORMAT TEXT) " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        execution = next(line for line in plan.splitlines() if "Execution Time" in line).split(":")[1].strip()
        index = "application_due" in plan or "recovery_due" in plan
        print(f"{label:<44} {execution:>12}   due-date index: {'yes' if index else 'no'}")

    for username in ("nanjing", "province"):
        user = User.objects.get(username=username)
        waiting = Application.objects.waiting_for(user).filter(type="reissue", module_jc=True)
        measure(f"{username} 待审核 first page by due date", waiting.order_by("due_on", "pk")[:21])
        measure(f"{username} 待审核 (before: by submission)", waiting.order_by("submitted_at", "pk")[:21])
        measure(f"{username} 待审核 已超期", waiting.overdue().order_by("due_on", "pk")[:21])
        measure(f"{username} 待审核 即将到期", waiting.due_soon().order_by("due_on", "pk")[:21])
        totals = Application.objects.waiting_for(user).values("state")
        totals = totals.annotate(n=Count("pk"), late=Count("pk", filter=overdue_condition()))
        measure(f"{username} home: waiting and overdue counts", totals)
    measure("province 证书收回 已超期", Recovery.objects.overdue().order_by("due_on", "pk")[:21])

    open_rows = Application.objects.filter(due_on__isnull=False).count()
    started = time.perf_counter()
    with connection.cursor():
        from django.db import transaction

        with transaction.atomic():
            # as actions.set_limits does, without the audit: the city limit 5 → 3 (→ 4 on a rerun)
            from workdays import calendar
            from workdays.models import StepLimit

            days = 4 if deadlines.limit("city") == 3 else 3
            StepLimit.objects.update_or_create(
                step="city", defaults={"days": days, "updated_by": User.objects.get(username="province")}
            )
            calendar.forget()
            moved = deadlines.recompute()
    print(
        f"recompute after 市级审核 → {days}: {moved:,} of {open_rows:,} open rows moved in {time.perf_counter() - started:.2f} s"
    )


if __name__ == "__main__":
    main()
