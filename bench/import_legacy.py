"""Benchmark: import a synthetic legacy export into a fresh SQLite database; report speed and memory.

    .venv/bin/python bench/import_legacy.py [--people 10000] [--institutions 50] [--out /tmp/bench-import.xlsx]

The workbook holds `--people` rows (half of them 双证人员, so 1.5 certificates per person) across
`--institutions` institutions in the 13 cities, with valid ID numbers and credit codes. Three runs:
a first import into a fresh database (timed), a re-import of the same file (everything skipped), and
a first import again under tracemalloc for the peak of Python allocations (slower; not timed).
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import random
import resource
import sys
import time
import tracemalloc
from pathlib import Path

import openpyxl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
DATABASE = Path("/tmp/bench-import.sqlite3")
os.environ["DJANGO_SETTINGS_MODULE"] = "jiance.settings"
os.environ["DATABASE_URL"] = f"sqlite:///{DATABASE}"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402

from certificates.models import PostCertificate  # noqa: E402
from dataload.legacy import COLUMNS  # noqa: E402
from institutions.cities import CITIES  # noqa: E402
from institutions.models import Institution  # noqa: E402
from institutions.validators import credit_code_check_char  # noqa: E402
from personnel.models import Person  # noqa: E402
from personnel.validators import id_check_char  # noqa: E402

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚华建国志红玉海燕春梅文斌鹏飞晓东雪俊子涵宇轩浩然欣怡思远嘉诚"
FIRMS = ("建设工程质量检测中心", "建筑材料检测有限公司", "岩土工程检测有限公司", "建科工程检测有限公司")
# GB/T 2260 codes of the 13 cities, in the order of institutions.cities.CITIES.
CITY_REGIONS = (
    "320100", "320200", "320300", "320400", "320500", "320600", "320700",
    "320800", "320900", "321000", "321100", "321200", "321300",
)  # fmt: skip
EDUCATION = ("大专", "本科", "本科", "硕士")
TITLES = ("", "技术员", "助理工程师", "工程师", "高级工程师")


def institutions(count: int) -> list[tuple[str, str, str]]:
    """(name, credit code, city name), spread over the 13 cities."""
    result = []
    for i in range(count):
        city_index = i % len(CITIES)
        city = CITIES[city_index][1]
        first17 = f"91{CITY_REGIONS[city_index]}MA1B{i:05d}"
        name = f"{city}第{i // len(CITIES) + 1}{FIRMS[i % len(FIRMS)]}"
        result.append((name, first17 + credit_code_check_char(first17), city))
    return result


def id_number(index: int, rng: random.Random) -> str:
    """A valid 身份证号, distinct for each `index` (it sets the sequence number and the birth day)."""
    born = datetime.date(1960, 1, 1) + datetime.timedelta(days=index // 1000 * 37 + rng.randrange(30))
    first17 = f"{rng.choice(CITY_REGIONS)[:4]}02{born:%Y%m%d}{index % 1000:03d}"
    return first17 + id_check_char(first17)


def write_workbook(path: Path, people: int, institution_count: int, seed: int = 2017) -> int:
    """Write the export; returns the number of certificates in it."""
    rng = random.Random(seed)
    firms = institutions(institution_count)
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("人员名单")
    sheet.append(list(COLUMNS))
    certificates = 0
    for i in range(people):
        issued = datetime.date(2005, 1, 1) + datetime.timedelta(days=rng.randrange(7000))
        jc = (f"苏JC-{issued.year}-{i:06d}", issued) if i % 2 == 0 or i % 4 == 1 else (None, None)
        dj = (f"苏DJ-{issued.year}-{i:06d}", issued.isoformat()) if i % 2 == 0 or i % 4 == 3 else (None, None)
        certificates += (jc[0] is not None) + (dj[0] is not None)
        name = rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice((1, 2))))
        phone = f"139{rng.randrange(10**8):08d}"
        details = (rng.choice(EDUCATION), rng.choice(TITLES), phone)
        sheet.append([*firms[i % institution_count], name, id_number(i, rng), "", *details, *jc, *dj])
    workbook.save(path)
    return certificates


def fresh_database() -> None:
    connections.close_all()
    DATABASE.unlink(missing_ok=True)
    call_command("migrate", verbosity=0)


def timed_import(path: Path, *args: str) -> tuple[float, str]:
    out = io.StringIO()
    started = time.perf_counter()
    call_command("import_legacy", str(path), *args, stdout=out, stderr=sys.stderr)
    return time.perf_counter() - started, out.getvalue().strip()


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--institutions", type=int, default=50)
    parser.add_argument("--out", type=Path, default=Path("/tmp/bench-import.xlsx"))
    args = parser.parse_args()

    started = time.perf_counter()
    certificates = write_workbook(args.out, args.people, args.institutions)
    print(
        f"workbook: {args.people} rows, {certificates} certificates, {args.institutions} institutions, "
        f"{args.out.stat().st_size / 1e6:.1f} MB, written in {time.perf_counter() - started:.1f} s "
        f"(peak RSS so far {rss_mb():.0f} MB)"
    )

    fresh_database()
    seconds, summary = timed_import(args.out, "--quiet")
    counts = (Institution.objects.count(), Person.objects.count(), PostCertificate.objects.count())
    print(f"import:   {seconds:.2f} s, {args.people / seconds:,.0f} rows/s; database now holds {counts}")
    print(f"          {summary}")
    print(f"          peak RSS {rss_mb():.0f} MB (whole process: Django, workbook generation, import)")

    seconds, summary = timed_import(args.out, "--quiet")
    print(f"re-import: {seconds:.2f} s, {args.people / seconds:,.0f} rows/s")
    print(f"          {summary}")

    fresh_database()
    tracemalloc.start()
    call_command("import_legacy", str(args.out), "--quiet", stdout=io.StringIO())
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"tracemalloc peak during a first import: {peak / 2**20:.0f} MB; peak RSS {rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
