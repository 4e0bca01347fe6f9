"""Where a page's time goes, in one process: wall, CPU and SQL milliseconds per request, and a profile.

    .venv/bin/python bench/profile_pages.py [--people 10000] [--requests 50] [--only REGEX]
                                            [--profile REGEX] [--top 30] [--sort tottime] [--sql N]

Uses the database that ``bench/pages.py --people N`` generated (``jiance_bench_<N>``; run that first) and
the production settings that script serves with (JIANCE_PRODUCTION=1, manifest static files, Redis
cache on ``--redis-db``, persistent connections), but calls Django in-process through its test client
(no gunicorn, no sockets), so that the Python side of each page can be read apart from the SQL:

- ``ms`` is the median wall time of one request, ``cpu`` the process CPU time (Python, and psycopg's
  parsing), ``sql`` the time spent waiting on the database's cursor calls, ``py`` = ``ms`` − ``sql``;
- ``× bare`` compares ``py`` with the bare logged-in page (``/bench/ok/``): what the page's templates,
  context and queries' Python cost beyond the middleware every page pays;
- ``--sql N`` prints each page's N slowest statements (of its last request), to EXPLAIN them;
- ``--profile REGEX`` profiles the matching pages with cProfile over ``--requests`` requests each and prints
  the ``--top`` functions by ``--sort`` (``tottime`` or ``cumulative``).
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import os
import pstats
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--database-url", help="default postgres://postgres@127.0.0.1:5432/jiance_bench_<N>")
    parser.add_argument("--redis-db", type=int, default=13, help="the cache's Redis database (flushed)")
    parser.add_argument("--requests", type=int, default=50, help="per page, after 3 to warm up")
    parser.add_argument("--only", help="regex on 'page (role)': measure only those (and the bare page)")
    parser.add_argument("--profile", help="regex on 'page (role)': profile those pages")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sql", type=int, default=0, help="print each page's N slowest statements")
    parser.add_argument("--sort", default="tottime", choices=["tottime", "cumulative"])
    parser.add_argument("--dump", help="folder: also write each profile there (pstats format, for callers)")
    return parser.parse_args()


def configure(args: argparse.Namespace, static_root: str) -> None:
    """The environment bench/pages.py's production_env gives gunicorn, then collectstatic and setup."""
    database_url = args.database_url or f"postgres://postgres@127.0.0.1:5432/jiance_bench_{args.people}"
    os.environ.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        JIANCE_PRODUCTION="1",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=HOST,
        SECURE_SSL_REDIRECT="0",
        DB_CONN_MAX_AGE="60",
        DATABASE_URL=database_url,
        REDIS_URL=f"redis://127.0.0.1:6379/{args.redis_db}",
        BENCH_CACHE_PREFIX=str(args.people),
        STATIC_ROOT=static_root,
        OTP_REQUIRED_ROLES="",
    )
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"], cwd=ROOT, check=True
    )
    sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
    import django

    django.setup()


class SqlTimer:
    """A database execute wrapper: counts queries and adds up the time spent in the cursor calls."""

    def __init__(self):
        self.seconds = 0.0
        self.queries = 0
        self.statements: list[tuple[float, str, tuple]] = []  # (seconds, sql, params)

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent = time.perf_counter() - started
            self.seconds += spent
            self.queries += 1
            self.statements.append((spent, sql, params))


def measure(client, path: str, requests: int) -> dict:
    """Median wall, CPU and SQL ms of ``requests`` GETs of ``path`` (after 3 unmeasured ones)."""
    from django.db import connection

    for _ in range(3):
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code}")
    walls, cpus, sqls, queries, timer = [], [], [], 0, None
    for _ in range(requests):
        timer = SqlTimer()
        with connection.execute_wrapper(timer):
            wall, cpu = time.perf_counter(), time.process_time()
            client.get(path)
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
        sqls.append(timer.seconds)
        queries = timer.queries
    return {
        "ms": statistics.median(walls) * 1000,
        "cpu": statistics.median(cpus) * 1000,
        "sql": statistics.median(sqls) * 1000,
        "py": statistics.median(w - s for w, s in zip(walls, sqls, strict=True)) * 1000,
        "queries": queries,
        "statements": sorted(timer.statements, key=lambda s: -s[0]) if timer else [],
    }


def get_page(client, path: str) -> tuple[int, str]:
    response = client.get(path)
    return response.status_code, response.content.decode()


def width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def main() -> None:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp:
        configure(args, str(Path(tmp, "static")))
        from django.conf import settings
        from django.core.cache import cache
        from django.test import Client
        from pages import follow_next, page_plan

        cache.clear()
        pages, subjects = page_plan()
        print(f"{args.people:,} people: city {subjects['city']}, institution {subjects['institution']}")
        only = re.compile(args.only) if args.only else None
        profile = re.compile(args.profile) if args.profile else None
        rows, bare = [], None
        for i, page in enumerate(pages):
            name = f"{page['label']} ({page['role']})"
            if i == 1 or (i > 1 and only and not only.search(name)):  # the admin is not the product's
                continue
            client = Client(HTTP_HOST=HOST)
            client.cookies[settings.SESSION_COOKIE_NAME] = page["cookie"]
            path = page["path"]
            if page["follow_next"]:
                path = follow_next(functools.partial(get_page, client), path, page["follow_next"])
            figures = measure(client, path, args.requests)
            bare = bare or figures
            rows.append((name, figures))
            for seconds, sql, params in figures["statements"][: args.sql]:
                print(f"{name}: {seconds * 1000:.1f} ms  {sql}  {params}\n")
            if profile and profile.search(name):
                profiler = cProfile.Profile()
                profiler.enable()
                for _ in range(args.requests):
                    client.get(path)
                profiler.disable()
                print(f"\n=== {name}: {path}, {args.requests} requests, by {args.sort}")
                stats = pstats.Stats(profiler).sort_stats(args.sort)
                if args.dump:
                    Path(args.dump).mkdir(parents=True, exist_ok=True)
                    stem = re.sub(r"\W+", "_", name).strip("_")
                    stats.dump_stats(Path(args.dump) / f"{stem}.prof")
                stats.print_stats(args.top)
                print(f"--- the project's own functions in {name}, by cumulative time")
                stats.sort_stats("cumulative").print_stats(rf"^{re.escape(str(ROOT))}/(?!\.venv/)", args.top)
        label = max(width(name) for name, _ in rows)
        print(
            f"\n{'page (role)'}{' ' * (label - 11)}  {'ms':>7} {'cpu':>7} {'sql':>7} {'py':>7} {'× bare':>7} {'queries':>7}"
        )
        for name, f in rows:
            print(
                f"{name}{' ' * (label - width(name))}  {f['ms']:7.1f} {f['cpu']:7.1f} {f['sql']:7.1f} "
                f"{f['py']:7.1f} {f['py'] / bare['py']:7.1f} {f['queries']:7d}"
            )


if __name__ == "__main__":
    main()
