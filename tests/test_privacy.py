"""Personal data stays where it belongs: a 人员备案 clash names no institution and cannot be used to
probe ID numbers; a full 身份证号 never travels in a URL; pages with personal data are never cached."""

import re

import pytest
from django.urls import reverse
from django.utils.http import urlencode

from audit.models import AuditEvent
from personnel.models import Person
from reviews.models import Application, Attachment
from reviews.views.common import CLASH_LIMIT

from .test_exports import sheet_rows
from .test_forged_filings import personnel_body
from .test_scope_matrix import as_role, world  # noqa: F401  (the shared objects of the URL table)

pytestmark = pytest.mark.django_db

CHEN = "320583198706060056"  # 陈静, at 无锡市建设工程质量检测中心
ELSEWHERE = "该身份证号已在其他机构备案，调入人员请由原机构办理人员变更调离。"
PROBING = "核对身份证号的次数过多"


# --- 人员备案: a clash names no institution, and is counted ---------------------------------------


def file_person(client, **data):
    return client.post(reverse("person_new", args=["jc"]), personnel_body(**data))


def test_it_reports_a_clash_without_naming_the_other_institution(login):
    page = file_person(login("nj-jc"), id_number=CHEN).content.decode()
    assert ELSEWHERE in page and "无锡" not in page and "陈静" not in page


def test_it_reports_a_clash_only_once_the_rest_of_the_form_is_valid(login):
    body = personnel_body(id_number=CHEN)
    del body["diploma"]
    response = login("nj-jc").post(reverse("person_new", args=["jc"]), body)
    page = response.content.decode()
    assert response.status_code == 400 and "请上传学历证书" in page
    assert "该身份证号已" not in page


def test_it_calls_an_own_persons_id_number_its_own(login):
    zhang = Person.objects.get(name="张伟")
    page = file_person(login("nj-dual"), id_number=zhang.id_number).content.decode()
    assert "该身份证号已是本机构人员" in page


def test_it_stops_a_login_that_keeps_meeting_clashes(login):
    client = login("nj-jc")
    for _ in range(CLASH_LIMIT):
        assert ELSEWHERE in file_person(client, id_number=CHEN).content.decode()
    counts = Application.objects.count(), Attachment.objects.count()
    for id_number in (CHEN, "320104199003070028"):  # on file or not: the answer is the same
        response = file_person(client, id_number=id_number)
        page = response.content.decode()
        assert response.status_code == 429 and PROBING in page and ELSEWHERE not in page
    assert (Application.objects.count(), Attachment.objects.count()) == counts
    assert file_person(login("nj-dual"), id_number="320104199003070028").status_code == 302, "per login"
    probes = AuditEvent.objects.filter(kind="id_number_probed")
    assert probes.count() == CLASH_LIMIT and {e.username for e in probes} == {"nj-jc"}
    assert CHEN not in str(list(probes.values()))


# --- 基本信息: an ID number searched by POST, never in a URL ----------------------------------------


def search(client, text):
    response = client.post(reverse("person_list", args=["jc"]), {"q": text})
    assert response.status_code == 302
    return response["Location"]


def test_it_searches_an_id_number_by_post_and_a_keyed_hash_in_the_url(login):
    client = login("nj-dual")
    url = search(client, "32050619900723002x")
    assert "32050619900723002" not in url and re.search(r"\?id=[0-9a-f]{32}$", url)
    assert search(client, "32050619900723002X") == url, "the same number, the same URL"
    html = client.get(url).content.decode()
    assert "李娜" in html and "张伟" not in html
    assert 'value="32050619900723002X"' in html  # the box shows what was searched
    rows = sheet_rows(client.get(f"{url}&{urlencode({'format': 'xlsx'})}"))
    assert [r[0] for r in rows[1:]] == ["李娜"] and rows[1][1] == "3205**********002X"


def test_it_keeps_a_name_search_in_the_url(login):
    url = search(login("nj-dual"), "张")
    assert url.endswith("?q=%E5%BC%A0")


def test_it_refuses_an_id_number_typed_into_the_url(login):
    response = login("nj-dual").get(reverse("person_list", args=["jc"]), {"q": "320102198503120012"})
    assert response.status_code == 400 and "身份证号不能放在网址中" in response.content.decode()


def test_it_asks_again_for_an_id_search_its_session_does_not_know(login):
    url = search(login("nj-dual"), "320102198503120012")
    response = login("nj-dual").get(url)  # another session: an old bookmark, a shared link
    assert response.status_code == 400 and "该身份证号查询已失效" in response.content.decode()


# --- Cache-Control ------------------------------------------------------------------------------------

# URL name → (role, URL kwargs from the shared World, query)
PERSONAL = {
    "home": ("nj-jc", lambda w: {}, {}),
    "person_list": ("nj-jc", lambda w: {"module": "jc"}, {}),
    "person_list-xlsx": ("nj-jc", lambda w: {"module": "jc"}, {"format": "xlsx"}),
    "person_detail": ("nj-jc", lambda w: {"pk": w.wang}, {}),
    "person_new": ("nj-jc", lambda w: {"module": "jc"}, {}),
    "person_change": ("nj-jc", lambda w: {"pk": w.wang}, {}),
    "certificate_list": ("province", lambda w: {"module": "jc"}, {}),
    "certificate_list-xlsx": ("province", lambda w: {"module": "jc"}, {"format": "xlsx"}),
    "transfer_list": ("nj-jc", lambda w: {}, {}),
    "transfer_new": ("nj-jc", lambda w: {}, {}),
    "reissue_list": ("nj-jc", lambda w: {}, {}),
    "reissue_new": ("nj-jc", lambda w: {}, {}),
    "cancellation_list": ("nj-jc", lambda w: {}, {}),
    "cancellation_new": ("nj-jc", lambda w: {}, {}),
    "review_queue": ("nanjing", lambda w: {"module": "jc", "type": "transfer"}, {}),
    "print_queue": ("province", lambda w: {}, {}),
    "print_pdf": ("province", lambda w: {}, {"ids": "PRINT_TASK"}),
    "delivery_list": ("wuxi", lambda w: {}, {}),
    "recovery_list": ("province", lambda w: {}, {}),
    "application_detail": ("nj-jc", lambda w: {"pk": w.transfer}, {}),
    "attachment_download": ("nj-jc", lambda w: {"pk": w.attachment}, {}),
    "attachment_thumbnail": ("nj-jc", lambda w: {"pk": w.attachment}, {}),
    # An institution's pages: its 法定代表人, 联系人 and 联系电话, its people count, its scans' links.
    "institution_info": ("nj-jc", lambda w: {"module": "jc"}, {}),
    "institution_info-reviewer": ("nanjing", lambda w: {"module": "jc"}, {}),
    "institution_detail": ("nanjing", lambda w: {"pk": w.nj_jc}, {}),
    "institution_filing": ("nj-jc", lambda w: {"module": "jc"}, {}),
    "institution_new": ("province", lambda w: {}, {}),
    # Who logged in from where; a second factor's secret.
    "audit_list": ("province", lambda w: {}, {}),
    "audit_list-xlsx": ("province", lambda w: {}, {"format": "xlsx"}),
    "login_security": ("province", lambda w: {}, {}),
    "otp_setup": ("nj-jc", lambda w: {}, {}),
    # 消息: the names of the people an application is about.
    "notice_list": ("sz-jc", lambda w: {}, {}),
    # 证书查询, by hand and from a printed QR code: a holder's (masked) name, institution and status.
    "verify": ("anonymous", lambda w: {}, {"number": "苏JC-2019-00012", "name": "张伟"}),
    "verify_qr": ("anonymous", lambda w: {"token": w.token}, {}),
}


@pytest.mark.parametrize("case", PERSONAL)
def test_it_keeps_pages_with_personal_data_out_of_every_cache(as_role, world, case):  # noqa: F811
    role, kwargs, query = PERSONAL[case]
    query = {k: world.print_task if v == "PRINT_TASK" else v for k, v in query.items()}
    response = as_role(role).get(reverse(case.split("-")[0], kwargs=kwargs(world)), query)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store, private"


def test_it_keeps_a_forged_qr_code_page_out_of_caches(as_role, world):  # noqa: F811
    forged = as_role("anonymous").get(reverse("verify_qr", args=[world.token[:-3] + "xyz"]))
    assert forged.status_code == 400 and forged["Cache-Control"] == "no-store, private"


def test_it_keeps_an_application_page_refused_by_its_form_out_of_caches(as_role, world):  # noqa: F811
    response = as_role("sz-jc").post(reverse("application_refuse", args=[world.transfer]), {"reason": ""})
    assert response.status_code == 400 and response["Cache-Control"] == "no-store, private"
