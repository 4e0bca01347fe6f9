"""The person's 信用档案 (dossiers/): one page per person for whoever may see them, the ID number masked
except to the province and the person's current institution, only the requests the viewer may see, and
the whole file as a PDF for the province. Its queries do not grow with the number of records."""

import re
import subprocess
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from institutions.models import Institution
from personnel.models import Employment, EmploymentSource, Person

from .workflow import approve_everywhere, file_reissue, walk_transfer

pytestmark = pytest.mark.django_db

NJ_JC, SZ_JC = "南京华宁建材检测有限公司", "苏州建科建材检测有限公司"
WANG_ID, WANG_MASKED = "320203198801150035", "3202**********0035"


def dossier_url(name) -> str:
    return reverse("person_dossier", args=[Person.objects.get(name=name).pk])


def page(client, name, expect=200) -> str:
    response = client.get(dossier_url(name))
    assert response.status_code == expect
    return response.content.decode()


@pytest.fixture
def moved(login):
    """王强: a 补证 at 南京华宁建材 (approved), then 人员变更调离 to 苏州建科建材 (approved)."""
    reissue = file_reissue(login("nj-jc"), ["苏JC-2018-00231"])
    approve_everywhere(login, reissue, ["nanjing"])
    transfer = walk_transfer(login, "王强", "nj-jc", "sz-jc", SZ_JC, ["nanjing", "suzhou"])
    return reissue, transfer


def test_each_role_sees_the_file_as_its_scope_allows(client, login, moved):
    reissue, transfer = moved
    today = timezone.localdate().isoformat()

    province = page(login("province"), "王强")
    assert WANG_ID in province and WANG_MASKED not in province
    employments = section(province, "employments")
    assert NJ_JC in employments and SZ_JC in employments and "至今" in employments and today in employments
    assert "人员变更调离" in employments and "历史数据导入" in employments
    assert "苏JC-2018-00231" in province and "第2版" in province  # the 补证's edition
    assert f"人员上岗证补办 #{reissue.pk}" in province and f"人员变更调离 #{transfer.pk}" in province
    assert "原件已核对，同意。" in province  # the decisions' opinions
    assert "无信用档案" in province  # the status history after the move
    assert reverse("person_dossier_pdf", args=[transfer.person_id]) in province
    assert "暂无信用记录" in section(province, "credit-records")

    # The current institution: the whole ID number, the transfer it received, not the old institution's 补证.
    receiver = page(login("sz-jc"), "王强")
    assert WANG_ID in receiver
    assert f"人员变更调离 #{transfer.pk}" in receiver and f"#{reissue.pk}" not in section(
        receiver, "applications"
    )
    assert "导出PDF" not in receiver

    # 苏州 (the person's city now, a city of the transfer): masked ID, the transfer only.
    suzhou = page(login("suzhou"), "王强")
    assert WANG_MASKED in suzhou and WANG_ID not in suzhou
    assert f"人员变更调离 #{transfer.pk}" in suzhou and f"#{reissue.pk}" not in section(
        suzhou, "applications"
    )

    # The former institution and its city no longer see the person; nor does anyone else.
    for role in ("nj-jc", "nanjing", "wuxi", "nj-dual"):
        assert "不在您的管理范围内" in page(login(role), "王强", expect=404)
    response = client.get(dossier_url("王强"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_scan_is_listed_through_the_download_that_checks_scope(login, moved):
    _reissue, transfer = moved
    receiver = page(login("sz-jc"), "王强")
    scans = transfer.attachments.current()
    assert scans.exists()
    for scan in scans:
        assert reverse("attachment_download", args=[scan.pk]) in receiver
        assert login("sz-jc").get(reverse("attachment_download", args=[scan.pk])).status_code == 200
        assert login("nj-dual").get(reverse("attachment_download", args=[scan.pk])).status_code == 404


def test_the_people_list_the_person_page_and_the_application_page_link_the_file(login, moved):
    _reissue, transfer = moved
    url = dossier_url("王强")
    assert url in login("sz-jc").get(reverse("person_list", args=["jc"])).content.decode()
    assert url in login("suzhou").get(reverse("person_detail", args=[transfer.person_id])).content.decode()
    assert url in login("sz-jc").get(reverse("application_detail", args=[transfer.pk])).content.decode()
    # The old institution still sees the transfer it filed, but not the person any more: no link.
    old = login("nj-jc").get(reverse("application_detail", args=[transfer.pk])).content.decode()
    assert url not in old and "王强" in old


def test_the_credit_records_section_shows_what_the_view_gives_it(login):
    response = login("province").get(dossier_url("孙丽"))
    assert response.context["credit_records"] == []
    assert "暂无信用记录" in section(response.content.decode(), "credit-records")


def queries(client, url) -> int:
    client.get(reverse("home"))  # the cached menu, and the content types
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_page_costs_the_same_queries_for_one_record_as_for_many(login):
    """孙丽: one certificate, one period, one request (a 补证: one paper). 张伟: two certificates moved
    and reissued twice (papers, status history), three requests with decisions and scans, many periods."""
    approve_everywhere(login, file_reissue(login("nj-dual"), ["苏JC-2023-00005"]), ["nanjing"])
    one = queries(login("province"), dossier_url("孙丽"))
    one_at_city = queries(login("nanjing"), dossier_url("孙丽"))

    walk_transfer(login, "张伟", "nj-dual", "wx-dual", "无锡市建设工程质量检测中心", ["nanjing", "wuxi"])
    for _ in range(2):
        reissue = file_reissue(login("wx-dual"), ["苏JC-2019-00012", "苏DJ-2019-00012"])
        approve_everywhere(login, reissue, ["wuxi"])
    zhang = Person.objects.get(name="张伟")
    others = Institution.objects.exclude(pk=zhang.institution_id)
    Employment.objects.bulk_create(
        Employment(person=zhang, institution=i, start=timezone.localdate().replace(year=2000 + n),
                   end=timezone.localdate().replace(year=2001 + n), source=EmploymentSource.LEGACY)
        for n, i in enumerate(others)
    )  # fmt: skip
    province, wuxi = (
        login("province"),
        login("wuxi"),
    )  # one session per login: the walk ended the earlier ones
    response = province.get(dossier_url("张伟"))
    assert response.status_code == 200, response
    text = response.content.decode()
    assert section(text, "employments").count("<tr") > 6
    assert zhang.applications.count() == 3 and text.count("第3版") >= 2

    assert queries(province, dossier_url("张伟")) == one
    assert queries(wuxi, dossier_url("张伟")) == one_at_city


def test_the_province_exports_the_whole_file_as_pdf(login, moved):
    _reissue, transfer = moved
    response = login("province").get(reverse("person_dossier_pdf", args=[transfer.person_id]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    text = pdftotext(b"".join(response.streaming_content))
    assert "检测人员信用档案" in text and "王强" in text
    assert WANG_ID in text and WANG_MASKED not in text  # the province sees the whole ID number
    assert NJ_JC in text and SZ_JC in text and timezone.localdate().isoformat() in text and "至今" in text
    assert "苏JC-2018-00231" in text and f"人员变更调离 #{transfer.pk}" in text
    assert "暂无信用记录" in text
    assert AuditEvent.objects.filter(kind="export", username="province", detail="信用档案 王强").exists()


def test_only_the_province_exports(login, moved):
    _reissue, transfer = moved
    url = reverse("person_dossier_pdf", args=[transfer.person_id])
    for role in ("sz-jc", "suzhou"):  # may see the person
        assert "信用档案导出供省质监总站使用" in login(role).get(url).content.decode()
        assert login(role).get(url).status_code == 403
    for role in ("nj-jc", "nanjing"):
        assert login(role).get(url).status_code == 404
    assert not AuditEvent.objects.filter(kind="export").exists()


def test_filed_text_cannot_break_the_pdf(login):
    """Names and opinions are reportlab markup inside the PDF's cells: filed < and & stay text."""
    Person.objects.filter(name="孙丽").update(title="<b>高级&工程师</b>", education="<para>")
    response = login("province").get(reverse("person_dossier_pdf", args=[Person.objects.get(name="孙丽").pk]))
    assert response.status_code == 200
    assert "<b>高级&工程师</b>" in pdftotext(b"".join(response.streaming_content))


def pdftotext(body: bytes) -> str:
    result = subprocess.run(["pdftotext", "-", "-"], input=body, check=True, capture_output=True)
    return result.stdout.decode()


def section(html: str, element_id: str) -> str:
    """The element with ``element_id`` (a table or section), up to its closing tag."""
    match = re.search(rf'<(\w+)[^>]*id="{element_id}".*?</\1>', html, re.S)
    assert match, element_id
    return match.group(0)


def test_the_file_shows_the_persons_records_in_force_and_their_score_whatever_their_number(login):
    """王强's file lists the 信用记录 in force about him that the viewer may see, and his 信用评价; an
    expired record leaves the list (it stays on the record list); more records cost no more queries."""
    from credit.models import CreditRecord

    from .workflow import decide, record_credit

    wang = ("苏JC-2018-00231", "王强")
    first = record_credit(login("province"), person=wang, category="无证上岗")
    before = queries(login("province"), dossier_url("王强"))
    before_at_city = queries(login("nanjing"), dossier_url("王强"))
    for _ in range(2):
        decide(login("province"), record_credit(login("nanjing"), person=wang))

    for viewer in ("province", "nanjing", "nj-jc"):
        text = section(page(login(viewer), "王强"), "credit-records")
        assert text.count("data-record=") == 3 and "无证上岗" in text and "出具虚假检测报告" in text
    assert "年度信用评价" in page(login("province"), "王强")
    page(login("suzhou"), "王强", expect=404)  # outside a city's scope, the file itself is refused
    assert queries(login("province"), dossier_url("王强")) == before
    assert queries(login("nanjing"), dossier_url("王强")) == before_at_city

    CreditRecord.objects.filter(pk=first.pk).update(in_force_until=timezone.localdate() - timedelta(days=1))
    text = section(page(login("province"), "王强"), "credit-records")
    assert text.count("data-record=") == 2 and "无证上岗" not in text

    response = login("province").get(reverse("person_dossier_pdf", args=[first.person_about_id]))
    pdf = pdftotext(b"".join(response.streaming_content))
    assert "出具虚假检测报告" in pdf and "不良" in pdf and "暂无信用记录" not in pdf
