"""Write the sample export files of docs/legacy-import.md: legacy-sample.xlsx and legacy-sample.csv.

    .venv/bin/python docs/samples/make_samples.py

Both hold the same 10 rows. The workbook keeps some issue dates as Excel dates and some as text in
each accepted format; the CSV (UTF-8 with BOM, as Excel saves "CSV UTF-8") holds them all as text.
The first institution is the demo data's 南京市建设工程质量检测中心, so on the demo database the sample
shows an existing institution being reused.
"""

import csv
import datetime
import os
import sys
from pathlib import Path

import django
import openpyxl

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiance.settings")
django.setup()

from dataload.legacy import COLUMNS  # noqa: E402
from institutions.validators import credit_code_check_char  # noqa: E402
from personnel.validators import id_check_char  # noqa: E402

HERE = Path(__file__).resolve().parent


def credit_code(first17: str) -> str:
    return first17 + credit_code_check_char(first17)


def id_number(region: str, born: str, sequence: int) -> str:
    first17 = f"{region}{born}{sequence:03d}"
    return first17 + id_check_char(first17)


NJ = ("南京市建设工程质量检测中心", "12320100466000012G", "南京市")
CZ = ("常州市建筑材料检测有限公司", credit_code("91320400MA1X10001"), "常州市")
XZ = ("徐州市岩土工程检测有限公司", credit_code("91320300MA1X20002"), "徐州市")
D = datetime.date

# institution, name, ID number, 性别, 学历, 职称, 联系电话, 建材 number and date, 地基 number and date
PEOPLE = [
    (NJ, "周明", id_number("320102", "19860412", 31), "男", "本科", "工程师", "13905140001",
     "苏JC-2021-20001", D(2021, 5, 18), "苏DJ-2021-20001", D(2021, 5, 18)),
    (NJ, "吴婷", id_number("320104", "19910827", 42), "", "硕士", "高级工程师", "13905140002",
     "苏JC-2022-20002", "2022-03-15", None, None),
    (CZ, "钱永刚", id_number("320402", "19790103", 15), "男", "大专", "助理工程师", "0519-86660003",
     "苏JC-2015-20003", "2015/6/30", None, None),
    (CZ, "孙晓燕", id_number("320411", "19880919", 26), "女", "本科", "工程师", "13775110004",
     "苏JC-2018-20004", "2018年11月02日", None, None),
    (CZ, "李浩", id_number("320404", "19950214", 57), "", "本科", "", "13775110005",
     "苏JC-2023-20005", D(2023, 1, 9), None, None),
    (XZ, "王建军", id_number("320303", "19820630", 13), "男", "本科", "高级工程师", "13952210006",
     None, None, "苏DJ-2016-20006", "2016-08-08"),
    (XZ, "赵敏", id_number("320311", "19900505", 24), "女", "硕士", "工程师", "13952210007",
     "苏JC-2020-20007", "2020/09/21", "苏DJ-2020-20007", "2020年09月21日"),
    (XZ, "陈磊", id_number("320322", "19930311", 35), "", "大专", "技术员", "13952210008",
     None, None, "苏DJ-2022-20008", D(2022, 7, 1)),
    (XZ, "刘芳", id_number("320324", "19871224", 48), "女", "本科", "工程师", "",
     None, None, None, None),
    (NJ, "黄志远", id_number("320106", "19841117", 59), "男", "博士", "研究员", "13905140010",
     "苏JC-2019-20010", "2019-12-02", "苏DJ-2019-20010", "2019/12/02"),
]  # fmt: skip


# 入职日期 (the start of the person's 从业履历 at the row's institution); the others have none on file.
HIRED_ON = {
    "周明": D(2020, 3, 2),
    "吴婷": "2021-09-01",
    "钱永刚": "2012/7/1",
    "孙晓燕": "2018年10月08日",
    "王建军": D(2015, 4, 20),
    "黄志远": "2019-07-15",
}


def rows() -> list[list]:
    """The 10 sample rows in `COLUMNS` order; dates as `datetime.date` or text."""
    result = []
    for (institution, code, city), *person in PEOPLE:
        result.append([institution, code, city, *person, HIRED_ON.get(person[0])])
    return result


def as_text(value) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, datetime.date) else str(value)


def write_xlsx(path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "人员名单"
    sheet.append(list(COLUMNS))
    for row in rows():
        sheet.append(row)
    for column in ("B", "E"):  # codes as text, so Excel shows them whole
        for cell in sheet[column]:
            cell.number_format = "@"
    for cell in (*sheet["K"], *sheet["M"], *sheet["N"]):
        if isinstance(cell.value, datetime.date):
            cell.number_format = "yyyy-mm-dd"
    workbook.save(path)


def write_csv(path: Path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(COLUMNS)
        writer.writerows([as_text(value) for value in row] for row in rows())


# The institution records of the same three institutions (import them after legacy-sample.*): one file per
# kind, told apart by their columns. 南京 already holds both qualifications in the demo data (skipped there).
ACCOUNTS = [
    ["统一社会信用代码", "用户名", "姓名", "手机"],
    [NJ[1], "njzx.zhou", "周明", "13905140001"],
    [CZ[1], "czjc", "钱永刚", "13775110003"],
    [CZ[1], "czjc.sun", "孙晓燕", "13775110004"],
    [XZ[1], "xzyt", "王建军", "13952210006"],
]
QUALIFICATIONS = [
    ["统一社会信用代码", "资质类别", "资质证书编号", "有效期起", "有效期至"],
    [NJ[1], "建材", "苏建检字第0001号", D(2022, 1, 1), D(2027, 12, 31)],
    [CZ[1], "建材", "苏建检字第0104号", D(2021, 6, 1), D(2026, 5, 31)],
    [XZ[1], "地基", "苏建检字第0211号", "2023-03-01", "2028/2/29"],
    [XZ[1], "建材", "苏建检字第0212号", "2023年3月1日", "2028年2月29日"],
]
CAPABILITIES = [
    ["统一社会信用代码", "资质类别", "检测类别", "检测项目", "检测参数"],
    [CZ[1], "建材", "水泥", "通用硅酸盐水泥", "凝结时间、安定性、胶砂强度"],
    [CZ[1], "建材", "钢筋", "热轧带肋钢筋", "屈服强度、抗拉强度、断后伸长率"],
    [XZ[1], "地基", "桩基", "单桩竖向抗压静载试验", "竖向抗压承载力"],
    [XZ[1], "地基", "桩基", "低应变法", "桩身完整性"],
    [XZ[1], "建材", "混凝土", "混凝土抗压强度", ""],
]
RECORDS = {
    "legacy-accounts": ACCOUNTS,
    "legacy-qualifications": QUALIFICATIONS,
    "legacy-capabilities": CAPABILITIES,
}


def write_records(name: str, table: list[list]) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in table:
        sheet.append(row)
    for cell in sheet["A"]:
        cell.number_format = "@"
    workbook.save(HERE / f"{name}.xlsx")
    with (HERE / f"{name}.csv").open("w", encoding="utf-8-sig", newline="") as file:
        csv.writer(file).writerows([as_text(value) for value in row] for row in table)


if __name__ == "__main__":
    write_xlsx(HERE / "legacy-sample.xlsx")
    write_csv(HERE / "legacy-sample.csv")
    for name, table in RECORDS.items():
        write_records(name, table)
    print(
        f"wrote {HERE / 'legacy-sample.xlsx'}, {HERE / 'legacy-sample.csv'} and the {', '.join(RECORDS)} files"
    )
