"""Excel export of the main lists, with the page's filters applied."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from institutions.models import Institution
from personnel.models import Person

from .workflow import accept, approve_everywhere, file_transfer

pytestmark = pytest.mark.django_db


def sheet_rows(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


def test_it_exports_the_filtered_people(login):
    rows = sheet_rows(
        login("nj-dual").get(reverse("person_list", args=["jc"]), {"q": "张", "format": "xlsx"})
    )
    assert rows[0][:2] == ["姓名", "身份证号"]
    assert [r[0] for r in rows[1:]] == ["张伟"]
    assert rows[1][1] == "3201**********0012"
    assert rows[1][6:] == ["苏JC-2019-00012", "正常", "苏DJ-2019-00012", "正常"]
    everyone = sheet_rows(login("province").get(reverse("person_list", args=["jc"]), {"format": "xlsx"}))
    assert len(everyone) - 1 == 7, "the seven 建材 holders of the demo data"


def test_it_exports_certificates_by_status(login):
    application = file_transfer(login("wx-dual"), "陈静", "苏州建科建材检测有限公司")
    accept(login("sz-jc"), application)
    approve_everywhere(login, application, ["wuxi", "suzhou"])
    rows = sheet_rows(
        login("province").get(
            reverse("certificate_list", args=["dj"]), {"status": "detached", "format": "xlsx"}
        )
    )
    assert [(r[0], r[2], r[5]) for r in rows[1:]] == [("苏DJ-2017-00310", "陈静", "调离")]


def test_it_exports_a_review_queue_with_its_tab(login):
    application = file_transfer(login("nj-jc"), "王强", "苏州建科建材检测有限公司")
    accept(login("sz-jc"), application)
    rows = sheet_rows(
        login("nanjing").get(reverse("review_queue", args=["jc", "transfer"]), {"format": "xlsx"})
    )
    assert [r[0] for r in rows[1:]] == [application.pk]
    assert rows[1][5] == "南京市、苏州市" or rows[1][5] == "苏州市、南京市"
    done = sheet_rows(
        login("nanjing").get(
            reverse("review_queue", args=["jc", "transfer"]), {"tab": "done", "format": "xlsx"}
        )
    )
    assert len(done) == 1, "nothing decided yet: header only"


def test_it_exports_public_announcements_without_id_numbers(client, login):
    application = file_transfer(login("nj-jc"), "王强", "苏州建科建材检测有限公司")
    accept(login("sz-jc"), application)
    approve_everywhere(login, application, ["nanjing", "suzhou"])
    rows = sheet_rows(client.get(reverse("announcement_list"), {"format": "xlsx"}))
    assert rows[1][2:6] == ["王强", "苏JC-2018-00231", "南京华宁建材检测有限公司", "苏州建科建材检测有限公司"]
    assert "320203198801150035" not in str(rows)


def test_it_keeps_exports_in_scope(login):
    rows = sheet_rows(login("suzhou").get(reverse("person_list", args=["jc"]), {"format": "xlsx"}))
    assert [r[0] for r in rows[1:]] == ["刘洋"]
    assert login("sz-jc").get(reverse("person_list", args=["dj"]), {"format": "xlsx"}).status_code == 404


FORMULAS = {
    "王强": '=HYPERLINK("http://evil.example/","点我")',
    "刘洋": "+1+1",
    "张伟": "-2+3",
    "李娜": "@SUM(1,1)",
    "陈静": "\t=1+1",
    "赵磊": "\r=1+1",
}


def test_it_writes_names_that_look_like_formulas_as_text(login):
    for name, hostile in FORMULAS.items():
        Person.objects.filter(name=name).update(name=hostile)
    Institution.objects.filter(name="南京华宁建材检测有限公司").update(name="=1+cmd|' /C calc'!A0")
    response = login("province").get(reverse("person_list", args=["jc"]), {"format": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    # XML reads a bare carriage return back as a line feed.
    names = {row[0].value.replace("\n", "\r"): row for row in sheet.iter_rows(min_row=2)}
    assert set(FORMULAS.values()) <= set(names)
    cells = [names[hostile][0] for hostile in FORMULAS.values()]
    cells.append(names[FORMULAS["王强"]][5])  # 所在机构
    assert cells[-1].value == "=1+cmd|' /C calc'!A0"
    for cell in cells:
        assert cell.data_type == "s", cell.value
        assert cell.quotePrefix, cell.value
    plain = names["孙丽"][0]
    assert (plain.data_type, plain.quotePrefix) == ("s", False)
