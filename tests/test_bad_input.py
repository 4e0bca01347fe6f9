"""Bad input is a clear Chinese page, never a 500: list filters read through forms (web/filters.py),
request limits before the body is read (web/limits.py), bounded 增项, and column lengths."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_fsm_log.models import StateLog

from filings.forms import MAX_ADDITIONS
from institutions.models import City, Institution
from reviews.models import Application, Attachment

from . import files
from .test_institution_filing import info, qualification_data

pytestmark = pytest.mark.django_db


def refused(response, status, *texts):
    page = response.content.decode()
    assert response.status_code == status, page[:2000]
    for text in texts:
        assert text in page
    return page


# --- query parameters ------------------------------------------------------------------------------


def test_it_refuses_a_nul_byte_in_the_query_string_anonymously(client, demo):
    refused(client.get("/announcements/?q=%00"), 400, "空字符")
    refused(client.get("/verify/?number=%00&name=x"), 400, "空字符")


@pytest.mark.parametrize(
    ("role", "url", "query", "label"),
    [
        ("province", "print_queue", {"city": "²"}, "寄往"),  # isdigit() accepts it, int() does not
        ("province", "print_queue", {"city": "99999999999999999999999"}, "寄往"),
        ("province", "print_queue", {"state": "lost"}, "状态"),
        ("nanjing", "review_queue", {"age": "1000000"}, "等待"),  # would overflow a timedelta
        ("nanjing", "review_queue", {"age": "٣"}, "等待"),
        ("nanjing", "review_queue", {"city": "²"}, "市"),
        ("nanjing", "review_queue", {"tab": "all"}, "页签"),
        ("nj-dual", "certificate_list", {"status": "void"}, "证书状态"),
        ("nj-dual", "certificate_list", {"q": "苏" * 101}, "查询内容"),
        ("nj-dual", "person_list", {"q": "张" * 101}, "查询内容"),
        ("province", "institution_info", {"q": "x" * 5000}, "查询内容"),
        ("nj-jc", "transfer_list", {"q": "x" * 101}, "查询内容"),
        ("province", "recovery_list", {"state": "gone"}, "状态"),
        ("wuxi", "delivery_list", {"state": "all"}, "状态"),
    ],
)
def test_it_answers_a_filter_it_cannot_use_with_a_chinese_400(login, role, url, query, label):
    kwargs = {"module": "jc"} if url in ("certificate_list", "person_list", "institution_info") else {}
    if url == "review_queue":
        kwargs = {"module": "jc", "type": "transfer"}
    page = refused(login(role).get(reverse(url, kwargs=kwargs), query), 400, f"查询条件“{label}”无效")
    assert f'<a href="{reverse(url, kwargs=kwargs)}">清除查询条件</a>' in page


def test_it_keeps_the_filters_it_can_use(login):
    nanjing = City.objects.get(code="nanjing")
    url = reverse("review_queue", args=["jc", "transfer"])
    page = refused(login("nanjing").get(url, {"city": nanjing.pk, "age": "7", "tab": "done"}), 200)
    assert f'<option value="{nanjing.pk}" selected>' in page and '<option value="7" selected>' in page
    page = refused(login("province").get(reverse("print_queue"), {"city": nanjing.pk, "state": "sent"}), 200)
    assert f'<option value="{nanjing.pk}" selected>' in page


def test_it_refuses_selected_rows_that_are_not_ids(login):
    refused(login("province").get(reverse("print_pdf"), {"ids": "²"}), 400, "所选记录")
    refused(login("province").post(reverse("print_mark_printed"), {"ids": ["1", "x"]}), 400, "所选记录")


def test_it_refuses_a_nul_byte_in_a_form_field_and_saves_nothing(client, login):
    refused(client.post(reverse("login"), {"username": "nj-jc\x00", "password": "x"}), 400, "空字符")
    counts = Application.objects.count(), StateLog.objects.count()
    data = {"name": "周敏\x00", "id_number": "320104199003070028"}
    refused(login("nj-jc").post(reverse("person_new", args=["jc"]), data), 400, "空字符")
    assert (Application.objects.count(), StateLog.objects.count()) == counts


# --- request size -----------------------------------------------------------------------------------


def test_it_refuses_a_large_anonymous_body_before_reading_it(client, demo):
    page = refused(client.post(reverse("login"), {"username": "x" * 70_000}), 413, "不能超过 64 KB")
    assert "提交的内容过大" in page


def test_it_refuses_a_large_body_on_a_page_that_takes_no_files(login):
    url = reverse("application_refuse", args=[1])  # refused before the view looks the application up
    refused(login("sz-jc").post(url, {"reason": "x" * 70_000}), 413, "不能超过 64 KB")


def test_it_lets_an_upload_form_take_more_than_the_small_cap(login):
    scan = SimpleUploadedFile("身份证.png", files.png_bytes() + b"\0" * 80_000, "image/png")
    response = login("nj-jc").post(reverse("person_new", args=["jc"]), {"id_card": [scan]})
    assert response.status_code == 400  # the form's own answer: the other scans are missing
    assert "请上传学历证书" in response.content.decode()


def test_it_refuses_an_upload_form_over_its_documented_cap_before_reading_it(login, settings):
    settings.ATTACHMENT_MAX_REQUEST_MB = 1
    counts = Application.objects.count(), Attachment.objects.count(), len(files.stored_files())
    scan = SimpleUploadedFile("身份证.png", files.png_bytes() + b"\0" * 1_200_000, "image/png")
    response = login("nj-jc").post(reverse("person_new", args=["jc"]), {"id_card": [scan]})
    refused(response, 413, "1 MB")
    assert (Application.objects.count(), Attachment.objects.count(), len(files.stored_files())) == counts


def test_it_refuses_an_anonymous_upload_over_the_small_cap(client, demo):
    scan = SimpleUploadedFile("身份证.png", b"\0" * 70_000, "image/png")
    refused(client.post(reverse("person_new", args=["jc"]), {"id_card": [scan]}), 413)


# --- 增项: lines and column lengths -----------------------------------------------------------------


def institution_filing(client, institution, additions):
    data = {**info(institution), **qualification_data(institution.qualifications.get(kind="JC")),
            "additions": additions, "qualification_original": files.jpeg("正本.jpg")}  # fmt: skip
    return client.post(reverse("institution_filing", args=["jc"]), data)


def test_it_refuses_an_addition_longer_than_its_column(login):
    institution = Institution.objects.get(name="南京华宁建材检测有限公司")
    counts = Application.objects.count(), Attachment.objects.count()
    response = institution_filing(login("nj-jc"), institution, f"{'水' * 150}｜水泥物理性能｜凝结时间")
    refused(response, 400, "增项第 1 行的检测类别超过 100 个字")
    response = institution_filing(login("nj-jc"), institution, f"水泥｜{'项' * 101}｜凝结时间")
    refused(response, 400, "增项第 1 行的检测项目超过 100 个字")
    assert (Application.objects.count(), Attachment.objects.count()) == counts


def test_it_takes_at_most_two_hundred_additions(login):
    institution = Institution.objects.get(name="南京华宁建材检测有限公司")
    lines = [f"类别{n}｜项目{n}｜参数" for n in range(MAX_ADDITIONS + 1)]
    refused(institution_filing(login("nj-jc"), institution, "\n".join(lines)), 400, "增项一次最多 200 行")
    response = institution_filing(login("nj-jc"), institution, "\n".join(lines[:MAX_ADDITIONS]))
    assert response.status_code == 302, response.content.decode()[:2000]


def test_it_shows_the_first_page_for_page_zero(login):
    assert login("nj-jc").get(reverse("transfer_list"), {"page": "0"}).status_code == 200


def test_it_refuses_a_certificate_id_no_column_holds(login):
    data = {"certificates": "9" * 30, "reason": "证书遗失"}
    refused(login("nj-jc").post(reverse("reissue_new"), data), 400, "所选证书无效")
