"""Every printed paper verifies as what it is: the newest paper is current, an older one names the paper
that replaced it, a 注销 certificate says 已注销 (QR and 证书查询)."""

import pytest
from django.urls import reverse

from certificates.models import PrintTask

from .workflow import approve_everywhere, certificate, file_cancellation, file_reissue, walk_transfer

pytestmark = pytest.mark.django_db


def qr_page(client, task) -> str:
    from certificates.verification import verify_path_for_paper

    response = client.get(verify_path_for_paper(task))
    assert response.status_code == 200
    return response.content.decode()


def verdict(page: str) -> str:
    """The verdict paragraphs above the result table (the table itself shows the status too)."""
    return page.split('id="verify-result"', 1)[1].split('<table class="grid kv">', 1)[0]


def print_(login, task):
    """The province prints the paper and mails it to the city (it has left the province)."""
    province = login("province")
    assert province.post(reverse("print_mark_printed"), {"ids": [task.pk]}).status_code == 302
    assert (
        province.post(reverse("print_send"), {"ids": [task.pk], "tracking_number": "SF1"}).status_code == 302
    )
    task.refresh_from_db()
    assert task.state == PrintTask.State.SENT


@pytest.fixture
def reissued_then_moved(login):
    """王强 (南京华宁建材) gets a 补证 (edition 2), printed for 南京; then moves to 苏州建科, which reprints
    edition 2 with the new institution."""
    reissue = file_reissue(login("nj-jc"), ["苏JC-2018-00231"])
    approve_everywhere(login, reissue, ["nanjing"])
    nanjing_paper = PrintTask.objects.get(application=reissue)
    print_(login, nanjing_paper)
    transfer = walk_transfer(
        login, "王强", "nj-jc", "sz-jc", "苏州建科建材检测有限公司", ["nanjing", "suzhou"]
    )
    suzhou_paper = PrintTask.objects.get(application=transfer)
    assert nanjing_paper.edition == suzhou_paper.edition == 2
    return nanjing_paper, suzhou_paper


def test_the_paper_printed_before_a_transfer_reprint_names_its_replacement(client, reissued_then_moved):
    nanjing_paper, suzhou_paper = reissued_then_moved
    old = verdict(qr_page(client, nanjing_paper))
    assert "此纸质证书为第2版，已作废；当前为第2版" in old and "是当前版本" not in old
    assert "已被新证书替换：第2版，因人员变更调离" in old
    new = verdict(qr_page(client, suzhou_paper))
    assert "是当前版本" in new and "已作废" not in new


def test_the_paper_before_a_reissue_names_the_reissued_one(client, login):
    moved = walk_transfer(
        login, "张伟", "nj-dual", "wx-dual", "无锡市建设工程质量检测中心", ["nanjing", "wuxi"]
    )
    wuxi_paper = PrintTask.objects.get(application=moved, certificate__number="苏JC-2019-00012")
    print_(login, wuxi_paper)
    assert "是当前版本" in verdict(qr_page(client, wuxi_paper))
    reissue = file_reissue(login("wx-dual"), ["苏JC-2019-00012"])
    approve_everywhere(login, reissue, ["wuxi"])
    old = verdict(qr_page(client, wuxi_paper))
    assert "此纸质证书为第1版，已作废；当前为第2版" in old
    assert "已被新证书替换：第2版，因人员上岗证补办" in old


def test_a_paper_voided_before_it_left_the_province_is_not_current(client, login):
    reissue = file_reissue(login("nj-jc"), ["苏JC-2018-00231"])
    approve_everywhere(login, reissue, ["nanjing"])
    paper = PrintTask.objects.get(application=reissue)
    cancellation = file_cancellation(login("nj-jc"), ["苏JC-2018-00231"])
    approve_everywhere(login, cancellation, ["nanjing"])
    paper.refresh_from_db()
    assert paper.state == PrintTask.State.VOID
    page = verdict(qr_page(client, paper))
    assert "已注销" in page and "有效版本" not in page


def test_a_cancelled_certificates_qr_and_lookup_say_cancelled(client, login, reissued_then_moved):
    _, suzhou_paper = reissued_then_moved
    print_(login, suzhou_paper)
    cancellation = file_cancellation(login("sz-jc"), ["苏JC-2018-00231"])
    approve_everywhere(login, cancellation, ["suzhou"])
    page = qr_page(client, suzhou_paper)
    assert "已注销" in verdict(page)
    assert "有效版本" not in page and "是当前版本" not in page and "badge-normal" not in page
    found = client.get(reverse("verify"), {"number": "苏JC-2018-00231", "name": "王强"}).content.decode()
    assert "已注销" in verdict(found) and "badge-normal" not in found


def test_an_older_link_to_a_reprinted_edition_is_never_called_current(client, reissued_then_moved):
    """Links printed before papers had their own identity name only the edition."""
    from certificates.verification import verify_path

    page = verdict(client.get(verify_path(certificate("苏JC-2018-00231"), 2)).content.decode())
    assert "请核对" in page and "苏州建科建材检测有限公司" in page and "是当前版本" not in page


def test_it_refuses_a_link_to_a_paper_that_does_not_exist(client, demo):
    from certificates.verification import _sign

    response = client.get(reverse("verify_qr", args=[_sign("p999999").replace(":", "~")]))
    assert response.status_code == 400
