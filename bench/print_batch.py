"""Benchmark: render N synthetic 岗位合格证书 into one PDF and report time, size and memory.

    .venv/bin/python bench/print_batch.py [--count 1000] [--out /tmp/print_batch.pdf]

Needs no Django settings: ``certificates.pdf`` imports no Django code.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import hashlib
import os
import random
import resource
import sys
import time
import tracemalloc
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from certificates import pdf

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉兰海燕春梅文斌鹏飞晓东雪梅俊杰子涵宇轩浩然欣怡思远嘉诚"
CITIES = (
    "南京",
    "无锡",
    "徐州",
    "常州",
    "苏州",
    "南通",
    "连云港",
    "淮安",
    "盐城",
    "扬州",
    "镇江",
    "泰州",
    "宿迁",
)
FIRMS = (
    "建设工程质量检测中心有限公司",
    "建筑材料检测有限公司",
    "岩土工程检测有限公司",
    "建科工程检测有限公司",
)
AREA_CODES = ("320102", "320205", "320303", "320402", "320505", "320602", "320703", "320803", "320902")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(rng: random.Random) -> str:
    """A syntactically valid 18-digit 身份证号 (GB 11643 check digit)."""
    born = datetime.date(1960, 1, 1) + datetime.timedelta(days=rng.randrange(365 * 40))
    body = f"{rng.choice(AREA_CODES)}{born:%Y%m%d}{rng.randrange(1000):03d}"
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True)) % 11]
    return body + check


def sheets(count: int, seed: int = 2017) -> list[pdf.CertificateSheet]:
    rng = random.Random(seed)
    result = []
    for i in range(count):
        kind = "建材" if i % 3 else "地基"
        number = f"苏{'JC' if kind == '建材' else 'DJ'}-{2010 + i % 15}-{i + 1:05d}"
        edition = 1 + i % 3
        token = base64.urlsafe_b64encode(hashlib.sha256(f"{number}:{edition}".encode()).digest()[:20])
        url = f"https://jiance.example.cn/verify/qr/{quote(f'JC:{number}:{edition}')}:{token.decode().rstrip('=')}/"
        result.append(
            pdf.CertificateSheet(
                holder_name=rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice((1, 2)))),
                id_number=id_number(rng),
                kind_label=kind,
                number=number,
                institution="" if i % 17 == 0 else rng.choice(CITIES) + "市" + rng.choice(FIRMS),
                issued_on=datetime.date(2010 + i % 15, 1 + i % 12, 1 + i % 28),
                edition=edition,
                verify_url=url,
            )
        )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--out", default="/tmp/print_batch.pdf")
    parser.add_argument("--no-tracemalloc", action="store_true", help="skip the slow traced second run")
    args = parser.parse_args()

    batch = sheets(args.count)
    pdf.font_name()  # font loading is once per process: report it apart from the batch
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    start, cpu_start = time.perf_counter(), time.process_time()
    with open(args.out, "wb") as out:
        pdf.render(batch, out)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux

    traced_peak = None
    if not args.no_tracemalloc:
        # tracemalloc slows rendering down about eightfold, so it gets a second, untimed run of its own.
        tracemalloc.start()
        with open(os.devnull, "wb") as sink:
            pdf.render(batch, sink)
        _, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

    size = os.path.getsize(args.out)
    print(f"count            {args.count}")
    print(
        f"seconds          {seconds:.2f}  (CPU {cpu_seconds:.2f}; wall time suffers when the machine is shared)"
    )
    print(f"pages/s          {args.count / seconds:.0f}")
    print(f"output           {size / 1e6:.2f} MB  ({args.out})")
    print(f"peak RSS         {rss_peak / 1024:.0f} MB  (before rendering {rss_before / 1024:.0f} MB)")
    if traced_peak is not None:
        print(f"tracemalloc peak {traced_peak / 1e6:.1f} MB  (Python allocations while rendering)")


if __name__ == "__main__":
    main()
