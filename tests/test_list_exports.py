"""Every list exports to .xlsx with its filters, and nothing outside the user's scope: 【诚信变更管理】
(institution), the review queues (reviewers), institutions, 证书打印, 证书发放, 证书收回."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from institutions.models import City

from .workflow import accept, approve_everywhere, decide, file_cancellation, file_reissue, file_transfer

pytestmark = pytest.mark.django_db


def rows(response):
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [list(r) for r in book.active.iter_rows(values_only=True)][1:]


def export(client, name, args=(), **query):
    return rows(client.get(reverse(name, args=args), {"format": "xlsx", **query}))


def test_change_lists_export_the_institutions_own_requests_with_the_search(login):
    wang = file_transfer(login("nj-jc"), "王强", "苏州建科建材检测有限公司")
    liu = file_transfer(login("sz-jc"), "刘洋", "无锡市建设工程质量检测中心")
    nj = login("nj-jc")
    assert [r[0] for r in export(nj, "transfer_list")] == [wang.pk]
    assert export(nj, "transfer_list", q="刘") == []
    assert export(nj, "transfer_list", q="王")[0][:2] == [wang.pk, "王强"]
    sz = login("sz-jc")  # its own 刘洋, and 王强 addressed to it
    assert sorted(r[0] for r in export(sz, "transfer_list")) == sorted([wang.pk, liu.pk])
    assert [r[0] for r in export(sz, "transfer_list", q="刘")] == [liu.pk]
    assert export(login("nj-dual"), "transfer_list") == []
    cancellation = file_cancellation(login("sz-dj"), ["苏DJ-2022-00078"])
    assert [r[0] for r in export(login("sz-dj"), "cancellation_list")] == [cancellation.pk]
    assert export(login("nj-jc"), "cancellation_list") == []


def test_review_queues_export_the_city_filter_and_the_reviewers_scope(login):
    wang = file_transfer(login("nj-jc"), "王强", "苏州建科建材检测有限公司")
    accept(login("sz-jc"), wang)
    chen = file_transfer(login("wx-dual"), "陈静", "苏州建科建材检测有限公司")
    accept(login("sz-jc"), chen)
    url = ("review_queue", ("jc", "transfer"))
    assert [r[0] for r in export(login("nanjing"), *url)] == [wang.pk]
    assert sorted(r[0] for r in export(login("suzhou"), *url)) == sorted([wang.pk, chen.pk])
    wuxi = City.objects.get(name="无锡市").pk
    for application, cities in ((wang, ["nanjing", "suzhou"]), (chen, ["wuxi", "suzhou"])):
        for city in cities:
            decide(login(city), application)
    assert sorted(r[0] for r in export(login("province"), *url)) == sorted([wang.pk, chen.pk])
    assert [r[0] for r in export(login("province"), *url, city=wuxi)] == [chen.pk]
    assert [r[0] for r in export(login("wuxi"), *url, tab="done")] == [chen.pk]


def test_institutions_export_in_scope_with_the_search(login):
    names = sorted(r[0] for r in export(login("nanjing"), "institution_info", ["jc"]))
    assert names == ["南京华宁建材检测有限公司", "南京市建设工程质量检测中心"]
    assert [r[0] for r in export(login("province"), "institution_info", ["jc"], q="苏州")] == [
        "苏州建科建材检测有限公司"
    ]
    assert [r[0] for r in export(login("province"), "institution_info", ["dj"], q="苏州")] == [
        "苏州岩土地基检测有限公司"
    ]


@pytest.fixture
def waiting(login):
    approve_everywhere(
        login, file_reissue(login("nj-dual"), ["苏JC-2019-00012", "苏DJ-2019-00012"]), ["nanjing"]
    )
    approve_everywhere(login, file_reissue(login("sz-jc"), ["苏JC-2021-00056"]), ["suzhou"])


def test_print_queue_exports_its_city_and_kind_filters(login, waiting):
    province = login("province")
    assert sorted(r[2] for r in export(province, "print_queue")) == [
        "苏DJ-2019-00012",
        "苏JC-2019-00012",
        "苏JC-2021-00056",
    ]
    nanjing = City.objects.get(name="南京市").pk
    assert [r[2] for r in export(province, "print_queue", city=nanjing, kind="JC")] == ["苏JC-2019-00012"]
    assert export(province, "print_queue", state="sent") == []


def test_delivery_exports_only_the_citys_parcels_and_its_tab(login, waiting):
    from certificates.models import PrintTask

    province = login("province")
    ids = list(PrintTask.objects.values_list("pk", flat=True))
    province.post(reverse("print_mark_printed"), {"ids": ids})
    for city in ("南京市", "苏州市"):
        province.post(
            reverse("print_send"), {"city": City.objects.get(name=city).pk, "tracking_number": city}
        )
    nanjing = export(login("nanjing"), "delivery_list")
    assert sorted(r[2] for r in nanjing) == ["苏DJ-2019-00012", "苏JC-2019-00012"]
    assert {r[6] for r in nanjing} == {"南京市"}
    assert [r[2] for r in export(login("suzhou"), "delivery_list")] == ["苏JC-2021-00056"]
    assert export(login("nanjing"), "delivery_list", state="delivered") == []


def test_recovery_exports_its_state_filter_and_scope(login):
    cancellation = file_cancellation(login("sz-dj"), ["苏DJ-2022-00078"])
    approve_everywhere(login, cancellation, ["suzhou"])
    assert [r[2] for r in export(login("sz-dj"), "recovery_list")] == ["苏DJ-2022-00078"]
    assert [r[2] for r in export(login("province"), "recovery_list", state="pending")] == ["苏DJ-2022-00078"]
    assert export(login("province"), "recovery_list", state="recovered") == []
    assert export(login("nj-dual"), "recovery_list") == []
