"""Printing and delivery (打印 → 寄出 → 发放) and public verification (证书查询) through HTTP."""

import io
import subprocess

import pytest
from django.urls import reverse
from pypdf import PdfReader

from certificates.models import PrintTask
from certificates.verification import token_for, token_for_paper

from .workflow import accept, approve_everywhere, certificate, file_reissue, file_transfer

pytestmark = pytest.mark.django_db


@pytest.fixture
def reissued(login):
    """王强's 建材 certificate reissued (edition 2), waiting to be printed for 南京."""
    application = file_reissue(login("nj-jc"), ["苏JC-2018-00231"])
    approve_everywhere(login, application, ["nanjing"])
    return PrintTask.objects.get(application=application)


def pdf_text(response) -> str:
    reader = PdfReader(io.BytesIO(b"".join(response.streaming_content)))
    return "\n".join(page.extract_text() for page in reader.pages), reader


def test_it_prints_a_certificate_whose_qr_opens_the_verification_of_that_edition(login, reissued, tmp_path):
    response = login("province").get(reverse("print_pdf"), {"ids": [reissued.pk]})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    data = b"".join(response.streaming_content)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert "王强" in text and "苏JC-2018-00231" in text and "第2版" in text
    pdf = tmp_path / "c.pdf"
    pdf.write_bytes(data)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")], check=True
    )
    png = next(tmp_path.glob("p*.png"))
    qr = subprocess.run(
        ["zbarimg", "--raw", "-q", str(png)], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert qr == "http://testserver" + reverse("verify_qr", args=[token_for_paper(reissued)])
    page = login("province").get(qr.removeprefix("http://testserver")).content.decode()
    assert "是当前版本" in page


def test_it_prints_a_batch_into_one_pdf(login):
    application = file_transfer(login("nj-dual"), "张伟", "无锡市建设工程质量检测中心")
    accept(login("wx-dual"), application)
    approve_everywhere(login, application, ["nanjing", "wuxi"])
    ids = list(PrintTask.objects.filter(application=application).values_list("pk", flat=True))
    response = login("province").get(reverse("print_pdf"), {"ids": ids})
    reader = PdfReader(io.BytesIO(b"".join(response.streaming_content)))
    assert len(reader.pages) == 2
    text = [p.extract_text() for p in reader.pages]
    assert "苏JC-2019-00012" in text[0] + text[1] and "苏DJ-2019-00012" in text[0] + text[1]
    assert all("无锡市建设工程质量检测中心" in t for t in text)


def test_it_walks_printing_sending_and_delivery(login, reissued):
    province = login("province")
    assert "苏JC-2018-00231" in province.get(reverse("print_queue")).content.decode()
    assert province.post(reverse("print_mark_printed"), {"ids": [reissued.pk]}).status_code == 302
    reissued.refresh_from_db()
    assert reissued.state == "printed"
    response = province.post(reverse("print_send"), {"ids": [reissued.pk], "tracking_number": "EMS9876"})
    assert response.status_code == 302
    reissued.refresh_from_db()
    assert (reissued.state, reissued.tracking_number) == ("sent", "EMS9876")

    assert "苏JC-2018-00231" in login("nanjing").get(reverse("delivery_list")).content.decode()
    assert "苏JC-2018-00231" not in login("suzhou").get(reverse("delivery_list")).content.decode()
    wrong_city = login("suzhou").post(
        reverse("print_deliver", args=[reissued.pk]), {"recipient": "李四", "delivered_on": "2026-11-25"}
    )
    assert wrong_city.status_code == 404
    assert login("nj-jc").post(
        reverse("print_deliver", args=[reissued.pk]), {"recipient": "李四", "delivered_on": "2026-11-25"}
    ).status_code in (403, 404)
    response = login("nanjing").post(
        reverse("print_deliver", args=[reissued.pk]), {"recipient": "王强", "delivered_on": "2026-11-25"}
    )
    assert response.status_code == 302
    reissued.refresh_from_db()
    assert (reissued.state, reissued.recipient, str(reissued.delivered_on)) == (
        "delivered",
        "王强",
        "2026-11-25",
    )
    person_page = (
        login("nj-jc").get(reverse("person_detail", args=[reissued.certificate.holder_id])).content.decode()
    )
    assert "已发放" in person_page


def test_it_refuses_to_send_one_parcel_to_two_cities(login, reissued):
    other = file_reissue(login("sz-jc"), ["苏JC-2021-00056"])
    approve_everywhere(login, other, ["suzhou"])
    ids = list(PrintTask.objects.values_list("pk", flat=True))
    province = login("province")
    province.post(reverse("print_mark_printed"), {"ids": ids})
    response = province.post(reverse("print_send"), {"ids": ids, "tracking_number": "X"}, follow=True)
    assert "一次寄出的证书必须寄往同一个市" in response.content.decode()
    assert set(PrintTask.objects.values_list("state", flat=True)) == {"printed"}


def test_it_refuses_marking_twice(login, reissued):
    province = login("province")
    province.post(reverse("print_mark_printed"), {"ids": [reissued.pk]})
    response = province.post(reverse("print_mark_printed"), {"ids": [reissued.pk]})
    assert response.status_code == 409


def test_it_keeps_printing_to_the_province(login, reissued):
    for account in ("nanjing", "nj-jc"):
        client = login(account)
        assert client.get(reverse("print_queue")).status_code == 403
        assert client.get(reverse("print_pdf"), {"ids": [reissued.pk]}).status_code == 403
        assert client.post(reverse("print_mark_printed"), {"ids": [reissued.pk]}).status_code == 403
    reissued.refresh_from_db()
    assert reissued.state == "pending"


def test_it_shows_the_old_edition_void_and_the_new_one_current(client, login, reissued):
    c = certificate("苏JC-2018-00231")
    old = client.get(reverse("verify_qr", args=[token_for(c, 1)])).content.decode()
    new = client.get(reverse("verify_qr", args=[token_for(c, 2)])).content.decode()
    assert "已作废" in old and "当前为第2版" in old
    assert "是当前版本" in new and "已作废" not in new
    assert "王*" in new and "王强" not in new


def test_it_refuses_a_tampered_link(client, demo):
    c = certificate("苏JC-2018-00231")
    genuine = token_for(c, 1)
    forged = genuine.replace(f"{c.pk}.1", f"{c.pk}.9")
    response = client.get(reverse("verify_qr", args=[forged]))
    assert response.status_code == 400
    assert "链接已被篡改" in response.content.decode()
    assert client.get(reverse("verify_qr", args=[genuine])).status_code == 200


def test_it_verifies_by_number_and_name_without_login(client, demo):
    found = client.get(reverse("verify"), {"number": "苏DJ-2017-00310", "name": "陈静"}).content.decode()
    assert "正常" in found and "无锡市建设工程质量检测中心" in found and "陈*" in found
    assert "320583198706060056" not in found
    wrong = client.get(reverse("verify"), {"number": "苏DJ-2017-00310", "name": "张伟"}).content.decode()
    assert "未查到该证书" in wrong


def test_it_verifies_a_number_typed_in_lower_case_or_with_spaces(client, demo):
    """Numbers are stored in capitals, as printed: 证书查询 and 人员信用查询 read a typed one alike."""
    query = {"number": " 苏dj-2017-00310 ", "name": " 陈静 "}
    assert "无锡市建设工程质量检测中心" in client.get(reverse("verify"), query).content.decode()
    assert "无锡市建设工程质量检测中心" in client.get(reverse("credit_public_person"), query).content.decode()


def test_it_limits_how_often_one_client_may_look_certificates_up(client, demo, settings):
    from django.core.cache import cache

    from certificates import lookup

    cache.clear()
    query = {"number": "苏DJ-2017-00310", "name": "陈静"}
    for _ in range(lookup.VERIFY_LIMIT):
        assert client.get(reverse("verify"), query).status_code == 200
    response = client.get(reverse("verify"), query)
    assert response.status_code == 429
    assert "查询过于频繁" in response.content.decode()
    assert "无锡市建设工程质量检测中心" not in response.content.decode()
    cache.clear()


def test_it_voids_an_unsent_print_when_a_newer_edition_is_approved(login):
    transfer = file_transfer(login("nj-jc"), "王强", "苏州建科建材检测有限公司")
    accept(login("sz-jc"), transfer)
    approve_everywhere(login, transfer, ["nanjing", "suzhou"])
    first = PrintTask.objects.get(application=transfer)
    reissue = file_reissue(login("sz-jc"), ["苏JC-2018-00231"])
    approve_everywhere(login, reissue, ["suzhou"])
    first.refresh_from_db()
    second = PrintTask.objects.get(application=reissue)
    assert (first.state, first.edition) == ("void", 1)
    assert (second.state, second.edition) == ("pending", 2)
    pending = login("province").get(reverse("print_queue"))
    assert [(t.certificate.number, t.edition) for t in pending.context["page"]] == [("苏JC-2018-00231", 2)]


def test_it_voids_an_unsent_print_when_the_certificate_is_cancelled(login, reissued):
    from .workflow import file_cancellation

    cancellation = file_cancellation(login("nj-jc"), ["苏JC-2018-00231"])
    approve_everywhere(login, cancellation, ["nanjing"])
    reissued.refresh_from_db()
    assert reissued.state == "void"
    assert login("province").post(reverse("print_mark_printed"), {"ids": [reissued.pk]}).status_code == 409


def test_it_keeps_a_sent_certificate_sent_when_a_newer_edition_follows(login, reissued):
    province = login("province")
    province.post(reverse("print_mark_printed"), {"ids": [reissued.pk]})
    province.post(reverse("print_send"), {"ids": [reissued.pk], "tracking_number": "EMS1"})
    again = file_reissue(login("nj-jc"), ["苏JC-2018-00231"], reason="再次遗失")
    approve_everywhere(login, again, ["nanjing"])
    reissued.refresh_from_db()
    assert reissued.state == "sent", "a certificate already in the post is not recalled by the system"
    assert PrintTask.objects.get(application=again).edition == 3


def test_it_counts_clients_behind_a_proxy_separately_when_told_how(client, demo, settings):
    from django.core.cache import cache

    from certificates import lookup

    cache.clear()
    settings.CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    query = {"number": "苏DJ-2017-00310", "name": "陈静"}
    for _ in range(lookup.VERIFY_LIMIT):
        assert client.get(reverse("verify"), query, HTTP_X_REAL_IP="10.0.0.1").status_code == 200
    assert client.get(reverse("verify"), query, HTTP_X_REAL_IP="10.0.0.1").status_code == 429
    assert client.get(reverse("verify"), query, HTTP_X_REAL_IP="10.0.0.2").status_code == 200
    cache.clear()
