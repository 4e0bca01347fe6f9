"""The applications' lists read plain rows (``ApplicationQuerySet.rows()`` → ``application_rows``): every
cell of a row as each role sees it, the parties' names read in one query, and home's reminders kept per
organisation and day until the next action."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from reviews.models import Application, application_rows

from .test_pages import NJ_JC, SZ_JC, capped, cell_texts, get, next_link, pending_transfers
from .workflow import approve_everywhere, file_cancellation

pytestmark = pytest.mark.django_db


def table_rows(html: str, table_id: str = "") -> list[list[str]]:
    """The cells of a table's body rows, as text: the table with that id, or the page's first grid."""
    marker = f' id="{table_id}"' if table_id else ""
    table = re.search(rf'<table class="grid"{marker}>.*?</table>', html, re.S).group(0)
    body = table.split("<tbody>", 1)[1]
    return [cell_texts(r) for r in re.findall(r"<tr>.*?</tr>", body, re.S)]


def submitted(application) -> str:
    return timezone.localtime(application.submitted_at).strftime("%Y-%m-%d %H:%M")


def test_a_queue_row_shows_the_parties_their_cities_and_the_deadline(login):
    transfer = pending_transfers(1)[0]
    [row] = table_rows(get(login("nanjing"), reverse("review_queue", args=["jc", "transfer"])), "queue")
    assert row[:7] == [
        f"#{transfer.pk}",
        transfer.person.name,
        f"{NJ_JC}（南京市）",
        f"{SZ_JC}（苏州市）",
        "南京市、苏州市",
        "待市级审核",
        submitted(transfer),
    ]
    assert row[8].startswith("剩余 ") and row[8].endswith(" 个工作日") and row[9] == "审批"


def test_the_home_to_do_row_shows_what_the_queue_shows(login):
    transfer = pending_transfers(1)[0]
    home = get(login("suzhou"), reverse("home"))
    [row] = home_to_do(home)
    assert row[1:6] == [transfer.person.name, NJ_JC, SZ_JC, "待市级审核", submitted(transfer)]
    assert row[6].startswith("剩余 ")


def home_to_do(html: str) -> list[list[str]]:
    """The rows of home's 待办事项 (its first table)."""
    body = html.split("<h1>待办事项</h1>", 1)[1].split("<tbody>", 1)[1].split("</table>", 1)[0]
    return [cell_texts(r) for r in re.findall(r"<tr>.*?</tr>", body, re.S)]


def test_the_transfer_list_shows_both_institutions_to_the_filer_and_the_receiver(login):
    transfer = pending_transfers(1)[0]
    for account, action in (("nj-jc", "查看"), ("sz-jc", "查看")):
        html = get(login(account), reverse("transfer_list"))
        [row] = [cells for cells in table_rows(html) if cells[0] == f"#{transfer.pk}"]
        assert row[:6] == [f"#{transfer.pk}", transfer.person.name, "建材", NJ_JC, SZ_JC, "待市级审核"]
        assert row[-1] == action


def test_rows_name_the_parties_in_one_query_whatever_their_number(demo, django_assert_num_queries):
    pending_transfers(1)
    application_rows(Application.objects.rows())  # reads the city table once for the process
    with django_assert_num_queries(2):  # the rows, then their institutions
        application_rows(Application.objects.rows())
    pending_transfers(2, start=1)
    with django_assert_num_queries(2):
        rows = application_rows(Application.objects.order_by("pk").rows())
    assert {(r.institution_name, r.institution_city, r.receiving_name, r.receiving_city) for r in rows} == {
        (NJ_JC, "南京市", SZ_JC, "苏州市")
    }
    assert [r.get_type_display() for r in rows] == ["人员变更调离"] * 3
    assert all(r.days_left is not None and r.deadline_provisional == [] for r in rows)


def test_a_row_without_a_receiver_names_none(login):
    cancellation = file_cancellation(login("nj-jc"), ["苏JC-2018-00231"])
    [row] = application_rows(Application.objects.filter(pk=cancellation.pk).rows())
    assert (row.institution_name, row.receiving_name, row.receiving_city) == (NJ_JC, None, None)
    assert row.get_state_display() == "待市级审核" and row.get_type_display() == "人员注销"
    assert application_rows(Application.objects.none().rows()) == []


def home_queries(client) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as ctx:
        html = get(client, reverse("home"))
    return html, len(ctx.captured_queries)


def test_home_keeps_its_reminders_until_the_next_action(login):
    """证书交回, 资质即将到期, 信用记录 and the totals are read once per organisation and day; an approval
    (here a cancellation's, which asks for the paper back) shows at once."""
    nj = login("nj-jc")
    first, counted = home_queries(nj)
    _, kept = home_queries(nj)
    assert 'id="to-mail-back"' not in first and kept < counted
    cancellation = file_cancellation(nj, ["苏JC-2018-00231"])
    approve_everywhere(login, cancellation, ["nanjing"])
    html, _ = home_queries(nj)
    to_mail_back = html.split('id="to-mail-back"', 1)[1].split("</table>", 1)[0]
    assert "苏JC-2018-00231" in to_mail_back and "王强" in to_mail_back


def test_the_transfer_list_is_counted_once_until_the_next_filing(login):
    pending_transfers(2)
    nj, sz = login("nj-jc"), login("sz-jc")
    url = reverse("transfer_list")
    assert capped(nj, url) == ("2", 1)
    assert capped(nj, url) == ("2", 0)
    assert capped(sz, url) == ("2", 1), "the receiver counts its own"
    pending_transfers(1, start=2)
    assert capped(nj, url) == ("3", 1) and capped(sz, url) == ("3", 1)


def test_a_newest_first_list_walks_every_row_once_forward_and_back(login):
    """诚信变更管理 lists newest first: the next page's bound runs the other way, and the links still
    reach every row once, forward and back (the same second for many rows: pk breaks the tie)."""
    made = pending_transfers(45)
    Application.objects.filter(pk__in=[t.pk for t in made[:30]]).update(created_at=made[0].created_at)
    nj = login("nj-jc")
    url = reverse("transfer_list")
    shown = re.compile(r"<td>#(\d+)</td>")
    pages, html = [], get(nj, url)
    while True:
        pages.append(shown.findall(html))
        query = next_link(html)
        if not query:
            break
        html = get(nj, f"{url}?{query}")
    assert [len(p) for p in pages] == [20, 20, 5]
    walked = [int(pk) for page in pages for pk in page]
    expected = Application.objects.filter(pk__in=[t.pk for t in made]).order_by("-created_at", "-pk")
    assert walked == list(expected.values_list("pk", flat=True))
    back = []
    while query := next_link(html, "上一页"):
        html = get(nj, f"{url}?{query}")
        back.append(shown.findall(html))
    assert back == pages[-2::-1]


def test_the_next_page_of_a_queue_is_bounded_by_a_row_comparison_on_postgresql(login):
    """On PostgreSQL the next page's bound is ``(due_on, id) > (…)``, which the planner walks in the
    queue's index (with OR it read and sorted every waiting application of the city)."""
    pending_transfers(25)
    nanjing = login("nanjing")
    url = reverse("review_queue", args=["jc", "transfer"])
    query = next_link(get(nanjing, url))
    with CaptureQueriesContext(connection) as ctx:
        assert len(re.findall(r"审批</a>", get(nanjing, f"{url}?{query}"))) == 5
    [rows] = [
        q["sql"] for q in ctx.captured_queries if '"reviews_application"."due_on" AS "due_on"' in q["sql"]
    ]
    row_comparison = '("reviews_application"."due_on", "reviews_application"."id") >'
    assert (row_comparison in rows) == (connection.vendor == "postgresql")
