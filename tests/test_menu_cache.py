"""The menu's waiting counts are cached per organisation and are never stale after an action."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from .workflow import accept, decide, file_transfer

pytestmark = pytest.mark.django_db


def waiting(client, label="人员变更审批", module_path="/m/jc/review/transfer/") -> int:
    html = client.get(reverse("home")).content.decode()
    entry = re.search(
        rf'<a href="{module_path}"[^>]*>\s*<span>{label}</span>(?:<span class="count"[^>]*>(\d+)</span>)?',
        html,
    )
    assert entry, f"no menu entry {label}"
    return int(entry.group(1) or 0)


def queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("home")).status_code == 200
    return len(ctx.captured_queries)


def test_it_computes_the_menu_once_per_organisation(login):
    nanjing = login("nanjing")
    first = queries(nanjing)
    assert queries(nanjing) < first, "the second page reuses the cached menu"
    colleague = login("nanjing")
    assert queries(colleague) < first, "another login of the same city reuses it too"


def test_it_shows_each_step_at_once(login):
    nanjing, suzhou, province = login("nanjing"), login("suzhou"), login("province")
    assert (waiting(nanjing), waiting(suzhou), waiting(province)) == (0, 0, 0)
    application = file_transfer(login("nj-jc"), "王强", "苏州建科建材检测有限公司")
    assert waiting(nanjing) == 0, "not before the receiver accepts"
    accept(login("sz-jc"), application)
    assert (waiting(nanjing), waiting(suzhou)) == (1, 1)
    decide(nanjing, application)
    assert (waiting(nanjing), waiting(suzhou), waiting(province)) == (0, 1, 0)
    decide(suzhou, application)
    assert (waiting(suzhou), waiting(province)) == (0, 1)


@pytest.mark.django_db(transaction=True)
def test_it_is_fresh_after_a_committed_action_of_another_organisation(login):
    """With real commits: another office's cached menu is recomputed after the commit."""
    suzhou = login("suzhou")
    assert waiting(suzhou) == 0
    application = file_transfer(login("nj-jc"), "王强", "苏州建科建材检测有限公司")
    assert waiting(suzhou) == 0
    accept(login("sz-jc"), application)
    assert waiting(suzhou) == 1
