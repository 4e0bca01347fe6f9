"""Walk every page reachable from each role's home on a bench database and print the slowest.

    .venv/bin/python bench/walk_pages.py [--people 1000000] [--limit 300] [--top 30]

``bench/pages.py`` measures the pages it names; this finds the ones nobody named. On the database that
``pages.py --people N`` generated (``jiance_bench_<N>``) and with its production settings, in one process
through Django's test client (as ``profile_pages.py``), it logs in as the province, the city and the
institution of the bench, follows the links of every page it reaches (breadth first, GET only; one page
per URL shape, ``/applications/<n>/`` once; no logout, downloads or exports) up to ``--limit`` pages a
role, and prints each page's time and query count, the slowest first, and any page that did not answer
200 or a redirect. Each page is fetched twice and the second time counts (the first fills caches).
"""

from __future__ import annotations

import argparse
import collections
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent)]

import profile_pages  # noqa: E402

SKIP = re.compile(r"logout|format=xlsx|download|/pdf/|/files?/|/attachments/\d+/|^#|/bench/")


def shape(url: str) -> str:
    """The URL with its numbers and query values blanked: one page of each shape is walked."""
    path, _, query = url.partition("?")
    return re.sub(r"\d+", "N", path) + "?" + re.sub(r"=[^&]*", "=", query)


def walk(client, limit: int) -> list[tuple[float, int, int, str]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    found, seen, queue = [], set(), collections.deque(["/"])
    while queue and len(seen) < limit:
        url = queue.popleft()
        if shape(url) in seen:
            continue
        seen.add(shape(url))
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.get(url)
            spent = time.perf_counter() - started
        found.append((spent * 1000, len(ctx.captured_queries), response.status_code, url))
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        for href in re.findall(r'href="([^"]+)"', response.content.decode()):
            href = href.replace("&amp;", "&")
            if href.startswith("?"):
                href = url.partition("?")[0] + href
            if href.startswith("/") and not href.startswith("//") and not SKIP.search(href):
                queue.append(href)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--database-url")
    parser.add_argument("--redis-db", type=int, default=13)
    parser.add_argument("--limit", type=int, default=300, help="pages per role")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-walk-") as tmp:
        profile_pages.configure(args, str(Path(tmp, "static")))
        from django.conf import settings
        from django.core.cache import cache
        from django.test import Client
        from pages import page_plan

        cache.clear()
        pages, subjects = page_plan()
        print(f"{args.people:,} people: city {subjects['city']}, institution {subjects['institution']}")
        cookies = {page["role"]: page["cookie"] for page in pages}
        rows = []
        for role in ("province", "city", "institution"):
            client = Client(HTTP_HOST=profile_pages.HOST)
            client.cookies[settings.SESSION_COOKIE_NAME] = cookies[role]
            walked = walk(client, args.limit)
            print(f"{role}: {len(walked)} pages")
            rows += [(ms, queries, status, role, url) for ms, queries, status, url in walked]
        failed = [row for row in rows if row[2] not in (200, 301, 302)]
        print(f"not 200 or a redirect: {len(failed)}")
        for _ms, _queries, status, role, url in failed:
            print(f"  {status} {role} {url}")
        print(f"\n{'ms':>8} {'queries':>7}  role         page")
        for ms, queries, _status, role, url in sorted(rows, reverse=True)[: args.top]:
            print(f"{ms:8.1f} {queries:7d}  {role:12} {url}")


if __name__ == "__main__":
    main()
