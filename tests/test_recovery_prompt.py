"""证书收回 as the institution meets it: the menu's count, the home to-do, the prompt with the province's
address; and the province's list with how long each certificate has waited."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from certificates.models import Recovery

from .test_menu_cache import waiting
from .workflow import approve_everywhere, file_cancellation

pytestmark = pytest.mark.django_db

ADDRESS = "南京市鼓楼区草场门大街88号 江苏省建设工程质量监督总站 证书科 收"
PROMPT = "请立即将岗位合格证书寄回省质监总站"


def to_mail_back(client) -> int:
    return waiting(client, "证书收回", reverse("recovery_list"))


@pytest.fixture
def cancelled(login, settings):
    settings.PROVINCE_MAIL_ADDRESS = ADDRESS
    application = file_cancellation(login("nj-dual"), ["苏JC-2019-00012", "苏DJ-2019-00012"])
    approve_everywhere(login, application, ["nanjing"])
    return application


def test_the_institution_is_told_to_mail_its_cancelled_certificates_back(login, cancelled):
    nj = login("nj-dual")
    assert to_mail_back(nj) == 2
    assert to_mail_back(login("nj-jc")) == 0, "another institution has nothing to mail back"
    home = nj.get(reverse("home")).content.decode()
    todo = home.split('id="to-mail-back"', 1)[1].split("</table>", 1)[0]
    assert "苏JC-2019-00012" in todo and "苏DJ-2019-00012" in todo
    page = nj.get(reverse("application_detail", args=[cancelled.pk])).content.decode()
    prompt = page.split('id="recovery-prompt"', 1)[1].split("</div>", 1)[0]
    assert PROMPT in prompt and ADDRESS in prompt


def test_the_count_and_the_to_do_go_as_soon_as_the_paper_is_mailed(login, cancelled):
    nj = login("nj-dual")
    assert to_mail_back(nj) == 2  # cached now
    first, second = Recovery.objects.filter(application=cancelled).order_by("pk")
    assert nj.post(reverse("recovery_mail", args=[first.pk]), {"tracking_number": "SF1"}).status_code == 302
    assert to_mail_back(nj) == 1
    assert nj.post(reverse("recovery_mail", args=[second.pk]), {"tracking_number": "SF1"}).status_code == 302
    assert to_mail_back(nj) == 0
    assert 'id="to-mail-back"' not in nj.get(reverse("home")).content.decode()
    page = nj.get(reverse("application_detail", args=[cancelled.pk])).content.decode()
    assert PROMPT not in page


def test_reviewers_get_no_prompt(login, cancelled):
    for account in ("nanjing", "province"):
        page = login(account).get(reverse("application_detail", args=[cancelled.pk])).content.decode()
        assert PROMPT not in page


def test_the_province_sees_how_long_each_has_waited_and_sorts_by_it(login, cancelled):
    older = file_cancellation(login("sz-dj"), ["苏DJ-2022-00078"])
    approve_everywhere(login, older, ["suzhou"])
    now = timezone.now()
    Recovery.objects.filter(application=cancelled).update(created_at=now - timedelta(days=3))
    Recovery.objects.filter(application=older).update(created_at=now - timedelta(days=12))
    province = login("province")

    def rows(**params):
        html = province.get(reverse("recovery_list"), params).content.decode()
        body = html.split('id="recoveries"', 1)[1].split("</tbody>", 1)[0]
        return re.findall(
            r'<td>(苏[A-Z]{2}-\d{4}-\d{5})</td>.*?<td class="waiting-days">(\d+)</td>', body, re.S
        )

    assert sorted(rows()) == [("苏DJ-2019-00012", "3"), ("苏DJ-2022-00078", "12"), ("苏JC-2019-00012", "3")]
    assert rows(sort="waiting")[0] == ("苏DJ-2022-00078", "12")
    assert province.get(reverse("recovery_list"), {"sort": "bogus"}).status_code == 400


def test_the_export_keeps_the_waiting_sort_and_the_waiting_days(login, cancelled):
    """证书收回's .xlsx is the list as the province sees it: 注销时间 and 已等待（天） columns, and with
    ``sort=waiting`` the longest waiting first (not the state order)."""
    import io

    from openpyxl import load_workbook

    older = file_cancellation(login("sz-dj"), ["苏DJ-2022-00078"])
    approve_everywhere(login, older, ["suzhou"])
    now = timezone.now()
    Recovery.objects.filter(application=cancelled).update(created_at=now - timedelta(days=3))
    Recovery.objects.filter(application=older).update(created_at=now - timedelta(days=12))

    def export(**params):
        response = login("province").get(reverse("recovery_list"), {"format": "xlsx", **params})
        assert response.status_code == 200
        book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
        return [list(r) for r in book.active.iter_rows(values_only=True)]

    header, *rows = export(sort="waiting")
    assert header[6:8] == ["注销时间", "已等待（天）"]
    assert (rows[0][2], rows[0][7]) == ("苏DJ-2022-00078", 12)
    assert sorted((r[2], r[7]) for r in rows)[0] == ("苏DJ-2019-00012", 3)
    assert [r[2] for r in export()[1:]] != [r[2] for r in rows]  # the default order differs here


def test_each_recovery_names_the_cancelling_institution(cancelled):
    assert {r.institution_id for r in Recovery.objects.filter(application=cancelled)} == {
        cancelled.institution_id
    }


@pytest.mark.postgres
def test_an_institutions_to_do_is_read_from_its_own_recoveries(login, cancelled):
    """Its 待交回 come from the index on its own rows in deadline order, not from every pending recovery
    of the province joined to the applications (that read grows with the province)."""
    from institutions.models import User

    user = User.objects.get(username="nj-dual")
    query = Recovery.objects.to_mail_back(user).order_by("due_on", "pk")[:20]
    text = _plan(query)
    assert "recovery_institution_due" in text, text
    assert "reviews_application" not in text, text
    assert len(query) == 2


@pytest.mark.postgres
@pytest.mark.parametrize("state", ["", "pending"])
def test_the_longest_waiting_first_walks_an_index_in_that_order(login, cancelled, state):
    """证书收回 ?sort=waiting: the page's rows come from an index in 已等待 order (of all, or of one
    state), not from sorting every recovery of the province joined to the people and certificates."""
    from certificates.views.delivery import _recoveries
    from institutions.models import User

    filters = {"state": state, "due": "", "sort": "waiting"}
    text = _plan(_recoveries(User.objects.get(username="province"), filters)[:21])
    assert ("recovery_state_waiting" if state else "recovery_waiting") in text, text
    assert "Sort" not in text.split("->")[0] and " Sort " not in text, text


def _plan(query) -> str:
    """PostgreSQL's plan of ``query`` with fresh statistics and sequential scans off (the test tables
    are tiny: a scan would otherwise always win)."""
    from django.db import connection

    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE certificates_recovery")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_each_row_shows_the_certificate_its_holder_and_the_filer(login, cancelled):
    """证书收回's row, read as columns of its query: every cell, and the action each side may take."""
    from .test_pages import cell_texts

    def row(account, number):
        html = login(account).get(reverse("recovery_list")).content.decode()
        body = html.split('id="recoveries"', 1)[1].split("</tbody>", 1)[0]
        return next(cell_texts(r) for r in re.findall(r"<tr>.*?</tr>", body, re.S) if number in r)

    created = timezone.localtime(Recovery.objects.filter(application=cancelled)[0].created_at)
    expected = ["张伟", "地基", "苏DJ-2019-00012", f"#{cancelled.pk}", "南京市建设工程质量检测中心", "待交回"]
    expected += [created.strftime("%Y-%m-%d"), "0"]
    for account, action in (("nj-dual", "登记寄回"), ("province", "收回")):
        cells = row(account, "苏DJ-2019-00012")
        assert cells[:8] == expected and cells[8].startswith("剩余 ") and cells[9] == "—"
        assert cells[10] == action
