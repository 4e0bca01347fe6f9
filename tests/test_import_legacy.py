"""`manage.py import_legacy`: the old system's export (docs/legacy-import.md) into institutions, people
and certificates, all or nothing."""

import csv
import datetime
import io
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from certificates.models import CertificateStatus, PostCertificate
from dataload.legacy import COLUMNS, Progress
from institutions.models import Institution, Kind
from institutions.validators import credit_code_check_char
from personnel.models import Person
from personnel.validators import id_check_char

SAMPLES = Path(__file__).resolve().parent.parent / "docs" / "samples"


def id_number(born: str, sequence: int, region: str = "320102") -> str:
    first17 = f"{region}{born}{sequence:03d}"
    return first17 + id_check_char(first17)


def credit_code(first17: str) -> str:
    return first17 + credit_code_check_char(first17)


CZ = {
    "机构名称": "常州市建筑材料检测有限公司",
    "统一社会信用代码": credit_code("91320400MA1X10001"),
    "所在市": "常州市",
}
XZ = {
    "机构名称": "徐州市岩土工程检测有限公司",
    "统一社会信用代码": credit_code("91320300MA1X20002"),
    "所在市": "徐州市",
}
NJ_DUAL = {
    "机构名称": "南京市建设工程质量检测中心",
    "统一社会信用代码": "12320100466000012G",
    "所在市": "南京市",
}


def person(name, number, institution=CZ, jc=None, dj=None, **cells) -> dict:
    """One row: `jc` and `dj` are (certificate number, issue date) pairs."""
    row = {**institution, "姓名": name, "身份证号": number, "学历": "本科", **cells}
    for kind, certificate in (("建材", jc), ("地基", dj)):
        if certificate:
            row[f"{kind}证书编号"], row[f"{kind}发证日期"] = certificate
    return row


def good_rows() -> list[dict]:
    return [
        person("钱永刚", id_number("19790103", 15), jc=("苏JC-2015-20003", datetime.date(2015, 6, 30)), 职称="工程师"),
        person("孙晓燕", id_number("19880919", 26), jc=("苏JC-2018-20004", "2018-11-02"), 性别="女"),
        person("王建军", id_number("19820630", 13), XZ, dj=("苏DJ-2016-20006", "2016/08/08")),
        person("赵敏", id_number("19900505", 24), XZ, jc=("苏JC-2020-20007", "2020年9月21日"), dj=("苏DJ-2020-20007", "2020-09-21")),
        person("刘芳", id_number("19871224", 48), XZ, 联系电话=13952210007),
    ]  # fmt: skip


def write_xlsx(path: Path, rows: list[dict], columns=COLUMNS) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(columns))
    for row in rows:
        sheet.append([row.get(column) for column in columns])
    workbook.save(path)
    return path


def write_csv(path: Path, rows: list[dict], encoding="utf-8-sig") -> Path:
    with path.open("w", encoding=encoding, newline="") as file:
        writer = csv.writer(file)
        writer.writerow(COLUMNS)
        writer.writerows([_text(row.get(column)) for column in COLUMNS] for row in rows)
    return path


def _text(value) -> str:
    if isinstance(value, datetime.date):
        return value.isoformat()
    return "" if value is None else str(value)


def run(path: Path, *args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_legacy", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def rejected(path: Path, *args: str) -> str:
    """Run an import that must fail; return its report (and check nothing was written)."""
    before = counts()
    out = io.StringIO()
    with pytest.raises(CommandError, match="未导入任何数据"):
        call_command("import_legacy", str(path), *args, stdout=out, stderr=io.StringIO())
    assert counts() == before
    return out.getvalue()


def counts() -> tuple[int, int, int]:
    return Institution.objects.count(), Person.objects.count(), PostCertificate.objects.count()


# --- happy paths --------------------------------------------------------------------------------------


def test_it_imports_a_good_file(db, tmp_path):
    out, _ = run(write_xlsx(tmp_path / "good.xlsx", good_rows()))

    assert "机构 新增 2，人员 新增 5，证书 新增 5，跳过 0 行" in out
    cz = Institution.objects.get(name="常州市建筑材料检测有限公司")
    assert (cz.credit_code, cz.city.name, cz.status) == (CZ["统一社会信用代码"], "常州市", "active")
    zhao = Person.objects.get(name="赵敏")
    assert zhao.institution.name == "徐州市岩土工程检测有限公司"
    assert (zhao.gender, zhao.birth_date, zhao.education) == ("女", datetime.date(1990, 5, 5), "本科")
    assert {(c.kind, c.number, c.issued_on) for c in zhao.certificates.all()} == {
        (Kind.JC, "苏JC-2020-20007", datetime.date(2020, 9, 21)),
        (Kind.DJ, "苏DJ-2020-20007", datetime.date(2020, 9, 21)),
    }
    assert Person.objects.get(name="刘芳").phone == "13952210007"
    certificates = PostCertificate.objects.select_related("holder")
    assert {c.status for c in certificates} == {CertificateStatus.NORMAL}
    assert all(c.institution_id == c.holder.institution_id for c in certificates)


@pytest.mark.parametrize("sample", ["legacy-sample.xlsx", "legacy-sample.csv"])
def test_it_imports_the_documented_samples_into_the_demo_data(demo, sample):
    institutions, people, certificates = counts()

    out, _ = run(SAMPLES / sample)

    assert "共 10 行：机构 新增 2，人员 新增 10，证书 新增 12，跳过 0 行" in out
    assert counts() == (institutions + 2, people + 10, certificates + 12)
    assert Person.objects.get(name="黄志远").institution.name == "南京市建设工程质量检测中心"


def test_it_reads_a_gb18030_csv(db, tmp_path):
    path = write_csv(tmp_path / "gb.csv", good_rows(), encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        path.read_text(encoding="utf-8")

    out, _ = run(path)

    assert "人员 新增 5" in out
    assert Person.objects.filter(name="孙晓燕", institution__name="常州市建筑材料检测有限公司").exists()


@pytest.mark.parametrize("make", [write_xlsx, write_csv])
def test_it_parses_dates_in_every_format(db, tmp_path, make):
    rows = [
        person("甲", id_number("19800101", 11), jc=("苏JC-1", datetime.date(2019, 6, 1))),
        person("乙", id_number("19800102", 11), jc=("苏JC-2", "2019-06-02")),
        person("丙", id_number("19800103", 11), jc=("苏JC-3", "2019/6/3")),
        person(
            "丁", id_number("19800104", 11), jc=("苏JC-4", "2019年06月04日"), dj=("苏DJ-4", "2019年6月5日")
        ),
    ]

    run(make(tmp_path / f"dates.{make.__name__.removeprefix('write_')}", rows))

    assert sorted(PostCertificate.objects.values_list("number", "issued_on")) == [
        ("苏DJ-4", datetime.date(2019, 6, 5)),
        ("苏JC-1", datetime.date(2019, 6, 1)),
        ("苏JC-2", datetime.date(2019, 6, 2)),
        ("苏JC-3", datetime.date(2019, 6, 3)),
        ("苏JC-4", datetime.date(2019, 6, 4)),
    ]


def test_it_creates_nothing_new_on_a_second_import(db, tmp_path):
    path = write_xlsx(tmp_path / "good.xlsx", good_rows())
    run(path)
    before = counts()

    out, _ = run(path, "-v", "2")

    assert counts() == before
    assert "机构 新增 0，人员 新增 0，证书 新增 0，跳过 5 行（已存在）" in out
    assert "第 2 行 已存在（跳过）" in out


def test_it_adds_a_new_certificate_to_a_known_person_and_skips_the_rest(demo, tmp_path):
    sun = Person.objects.get(name="孙丽")  # 建材 only, at the dual-qualified 南京市建设工程质量检测中心
    rows = [
        person("孙丽", sun.id_number, NJ_DUAL, jc=("苏JC-2023-00005", "2023-06-01"),
               dj=("苏DJ-2024-00901", "2024-05-06")),
        person("张伟", "320102198503120012", NJ_DUAL, jc=("苏JC-2019-00012", "2019-06-01")),
    ]  # fmt: skip

    out, _ = run(write_xlsx(tmp_path / "known.xlsx", rows))

    assert "人员 新增 0，证书 新增 1，跳过 1 行" in out
    added = sun.certificates.get(kind=Kind.DJ)
    assert (added.number, added.institution_id, added.status) == (
        "苏DJ-2024-00901",
        sun.institution_id,
        "normal",
    )


def test_it_notes_but_never_changes_what_differs_from_the_database(demo, tmp_path):
    wang = Person.objects.get(name="王强")  # 南京华宁建材检测有限公司, 苏JC-2018-00231 issued 2018-06-01
    row = person("王强", wang.id_number, NJ_DUAL, jc=("苏JC-2018-00231", "2018-07-01"))

    out, _ = run(write_xlsx(tmp_path / "moved.xlsx", [row]))

    assert "提示：第 2 行 [机构名称] 此人在系统中属于“南京华宁建材检测有限公司”（未修改）" in out
    assert "提示：第 2 行 [建材发证日期] 系统中的发证日期为 2018-06-01，与文件不一致（未修改）" in out
    wang.refresh_from_db()
    assert wang.institution.name == "南京华宁建材检测有限公司"
    assert wang.certificates.get().issued_on == datetime.date(2018, 6, 1)


def test_it_writes_nothing_on_a_dry_run(db, tmp_path):
    before = counts()

    out, _ = run(write_xlsx(tmp_path / "good.xlsx", good_rows()), "--dry-run")

    assert "试运行，未写入任何数据。共 5 行：机构 将新增 2，人员 将新增 5，证书 将新增 5" in out
    assert counts() == before


def test_it_shows_progress_on_stderr_unless_quiet(db, tmp_path):
    path = write_xlsx(tmp_path / "good.xlsx", good_rows())

    _, err = run(path, "--dry-run")
    assert "校验 [####################] 100% 5/5 行" in err

    _, err = run(path)
    assert "写入 [####################] 100% 10/10 条" in err

    assert run(path, "--quiet")[1] == ""
    assert run(path, "-v", "0")[1] == ""


def test_it_draws_a_progress_bar_every_thousand_rows():
    lines = []
    progress = Progress(lines.append, "校验", 2400, "行")

    assert list(progress.track(range(2500))) == list(range(2500))  # the estimate may be short

    assert lines == [
        "校验 [########............] 41% 1000/2400 行",
        "校验 [################....] 83% 2000/2400 行",
        "校验 [####################] 100% 2500/2500 行",
    ]


def test_it_looks_up_existing_rows_in_a_few_queries(demo, tmp_path):
    rows = [
        person(f"人员{i}", id_number("19850101", i), jc=(f"苏JC-Q-{i}", "2020-01-01")) for i in range(300)
    ]
    rows.append(person("张伟", "320102198503120012", NJ_DUAL, jc=("苏JC-2019-00012", "2019-06-01")))
    path = write_xlsx(tmp_path / "many.xlsx", rows)

    with CaptureQueriesContext(connection) as queries:
        run(path, "--quiet")

    # cities, institutions, people by ID number, certificates by number, certificates by known holder
    assert len([q for q in queries if q["sql"].startswith("SELECT")]) == 5
    assert Person.objects.filter(institution__name=CZ["机构名称"]).count() == 300


# --- rejected files -----------------------------------------------------------------------------------


def test_it_imports_nothing_when_one_row_has_a_bad_id_checksum(db, tmp_path):
    rows = good_rows()
    rows[3]["身份证号"] = rows[3]["身份证号"][:17] + ("0" if rows[3]["身份证号"][17] != "0" else "1")

    report = rejected(write_xlsx(tmp_path / "bad.xlsx", rows))

    assert "第 5 行 [身份证号] 身份证号校验位错误" in report
    assert report.count("第 ") == 1


def test_it_reports_a_certificate_number_repeated_in_the_file(db, tmp_path):
    rows = good_rows()
    rows[2]["建材证书编号"], rows[2]["建材发证日期"] = rows[0]["建材证书编号"], "2016-01-01"
    rows[2]["地基证书编号"] = rows[3]["建材证书编号"]  # the same number in the other kind is fine

    report = rejected(write_csv(tmp_path / "dup.csv", rows))

    assert report.splitlines()[1:] == ["第 4 行 [建材证书编号] 与第 2 行的证书编号重复"]


def test_it_reports_a_certificate_number_held_by_someone_else(demo, tmp_path):
    rows = [person("新人", id_number("19900101", 31), jc=("苏JC-2019-00012", "2019-06-01"))]

    report = rejected(write_xlsx(tmp_path / "taken.xlsx", rows))

    assert "第 2 行 [建材证书编号] 证书编号已被系统中的“张伟”（身份证号 3201**********0012）持有" in report


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ({"所在市": "上海市"}, "第 3 行 [所在市] 未知的省辖市“上海市”"),
        ({"姓名": " "}, "第 3 行 [姓名] 不能为空"),
        ({"身份证号": 320102198503120012.0}, "第 3 行 [身份证号] 以数字格式保存，可能已丢失精度"),
        ({"性别": "男"}, "第 3 行 [性别] 与身份证号不符（身份证号显示为女）"),
        ({"统一社会信用代码": "91320400MA1X100010"}, "第 3 行 [统一社会信用代码] 统一社会信用代码校验位错误"),
        ({"建材发证日期": None}, "第 3 行 [建材发证日期] 填写了证书编号，但缺少发证日期"),
        ({"建材发证日期": "2018.11.02"}, "第 3 行 [建材发证日期] 无法识别的日期“2018.11.02”"),
        ({"建材发证日期": "2018-02-30"}, "第 3 行 [建材发证日期] 日期“2018-02-30”不存在"),
        ({"建材证书编号": "苏JC-" + "9" * 30}, "第 3 行 [建材证书编号] 证书编号不能超过 30 个字符"),
        ({"地基发证日期": "2020-01-01"}, "第 3 行 [地基证书编号] 填写了发证日期，但缺少证书编号"),
        ({"身份证号": id_number("19790103", 15)}, "第 3 行 [身份证号] 与第 2 行的身份证号重复"),
        ({"所在市": "南京"}, "第 3 行 [所在市] 与第 2 行同名机构的所在市（常州市）不一致"),
        ({**XZ, "机构名称": "另一家机构"}, "第 4 行 [统一社会信用代码] 与第 3 行的机构“另一家机构”的统一社会信用代码相同"),
    ],
)  # fmt: skip
def test_it_reports_each_bad_cell_by_row_and_column(db, tmp_path, cells, expected):
    rows = good_rows()
    rows[1].update(cells)

    report = rejected(write_xlsx(tmp_path / "bad.xlsx", rows))

    assert expected in report


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (person("李四", "320102198503120012"),
         "第 2 行 [姓名] 此身份证号已在系统中登记为“张伟”，与本行姓名不一致"),
        (person("张三", id_number("19900101", 31), {**NJ_DUAL, "统一社会信用代码": CZ["统一社会信用代码"]}),
         "第 2 行 [统一社会信用代码] 系统中机构“南京市建设工程质量检测中心”的统一社会信用代码为 12320100466000012G"),
        (person("张三", id_number("19900101", 31), {**NJ_DUAL, "所在市": "苏州市"}),
         "第 2 行 [所在市] 系统中机构“南京市建设工程质量检测中心”属于南京市，与本行不一致"),
        (person("张三", id_number("19900101", 31), {**CZ, "统一社会信用代码": "12320100466000012G"}),
         "第 2 行 [统一社会信用代码] 已被系统中的机构“南京市建设工程质量检测中心”使用"),
        (person("王强", "320203198801150035", jc=("苏JC-2024-1", "2024-01-01")),
         "第 2 行 [建材证书编号] 此人在系统中已持有建材证书 苏JC-2018-00231，与本行的证书编号不一致"),
        (person("王强", "320203198801150035", dj=("苏DJ-2024-1", "2024-01-01")),
         "第 2 行 [机构名称] 此人在系统中属于“南京华宁建材检测有限公司”，无法在本行机构下新增地基证书"),
    ],
)  # fmt: skip
def test_it_reports_conflicts_with_the_database(demo, tmp_path, row, expected):
    report = rejected(write_xlsx(tmp_path / "conflict.xlsx", [row]))

    assert expected in report


def test_it_reports_missing_columns_before_reading_any_row(db, tmp_path):
    columns = [c for c in COLUMNS if c not in ("身份证号", "学历")]

    report = rejected(write_xlsx(tmp_path / "columns.xlsx", good_rows(), columns=columns))

    assert report.splitlines()[1:] == ["第 1 行 [身份证号] 缺少此列"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("people.xls", b"\xd0\xcf\x11\xe0", "不支持的文件类型“.xls”"),
        ("people.xlsx", b"not a zip", "无法读取 Excel 文件"),
        ("people.csv", "\ufeff" + ",".join(COLUMNS) + "\n", "文件中没有数据行"),
    ],
)
def test_it_refuses_a_file_it_cannot_read(db, tmp_path, name, content, message):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")

    with pytest.raises(CommandError, match=message):
        run(path)
