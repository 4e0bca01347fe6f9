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


def test_a_value_is_kept_until_its_own_generation_changes():
    from web import freshness

    calls = []

    def compute(value):
        return lambda: calls.append(value) or value

    assert freshness.cached("probe", compute("a"), generation="probe-gen") == "a"
    assert freshness.cached("probe", compute("b"), generation="probe-gen") == "a", "kept"
    freshness.changed()  # the common generation: not this value's
    assert freshness.cached("probe", compute("c"), generation="probe-gen") == "a"
    freshness.changed("probe-gen")
    assert freshness.cached("probe", compute("d"), generation="probe-gen") == "d"
    assert calls == ["a", "d"]


def test_a_lost_generation_never_revives_a_value_stored_under_an_earlier_one():
    """Generations are random tokens: a generation evicted from the cache and created again differs
    from every earlier one, so a value stored before the loss is computed again."""
    from django.core.cache import cache

    from web import freshness

    assert freshness.cached("probe", lambda: "old", generation="probe-gen") == "old"
    cache.delete("probe-gen")
    assert freshness.cached("probe", lambda: "new", generation="probe-gen") == "new"
