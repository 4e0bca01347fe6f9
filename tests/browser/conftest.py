"""Headless Chromium against pytest-django's live server, logged in through the real login page.

Every test here is marked ``browser``; run them with ``pytest tests/browser`` (or skip with ``-m "not browser"``).
Chromium is Debian's ``/usr/bin/chromium`` (``playwright install`` cannot download here); launched by path with the flags below.
"""

import contextlib
import os
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

# Playwright's sync API runs an event loop in the test thread; the ORM calls made by fixtures in that
# same thread would otherwise raise SynchronousOnlyOperation.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

HERE = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "Jiance@2026"  # docs/demo-data.md: every demo account
ARTIFACTS = HERE.parents[1] / "test-artifacts"  # gitignored
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(config, items):
    """Mark (only) the tests under tests/browser. A missing Chromium fails them rather than skipping
    them, so a machine without it cannot pass unseen; ``bin/setup`` installs it."""
    for item in items:
        if HERE in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)
            # pytest-playwright 0.10's own base_url fixture trips a pytest 9 deprecation; not ours to fix.
            item.add_marker(
                pytest.mark.filterwarnings("ignore:Session-scoped fixtures defined as instance methods")
            )


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": browser_type_launch_args.get("headless", True),
        "args": [*browser_type_launch_args.get("args", []), *CHROMIUM_ARGS],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """An office screen (the layout targets 1366×768 and up), Chinese locale."""
    return {
        **browser_context_args,
        "viewport": {"width": 1366, "height": 900},
        "locale": "zh-CN",
        "timezone_id": "Asia/Shanghai",
    }


@pytest.fixture
def site(live_server, transactional_db):
    """The live server's URL, with the demo data loaded by the real command."""
    with open(os.devnull, "w") as devnull:
        call_command("seed_demo", stdout=devnull)
    return live_server.url


def login(page, username: str, password: str = PASSWORD) -> None:
    """Log in through the real login page, as a person would."""
    response = page.goto("/accounts/login/")
    assert response.ok, f"login page: HTTP {response.status}"
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.get_by_text(f"· {username}").wait_for()  # the header shows "<scope> · <username>"


@pytest.fixture
def open_as(browser, browser_context_args, site):
    """open_as("wx-dual") → a page in a fresh browser context, logged in as that demo account.

    open_as(None) → an anonymous page. One context per role, so no logout step and no shared cookies.
    """
    contexts = []

    def _open(username: str | None):
        context = browser.new_context(**{**browser_context_args, "base_url": site})
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        if username:
            login(page, username)
        return page

    yield _open
    for context in contexts:
        # Let the server answer what the pages still load (a scan shown inline, say) before the test
        # database is emptied: SQLite refuses to commit the flush while the server thread reads.
        for page in context.pages:
            with contextlib.suppress(PlaywrightTimeoutError):
                page.wait_for_load_state("networkidle", timeout=3_000)
        context.close()


@pytest.fixture
def screenshot(request):
    """screenshot(page, "name") → test-artifacts/<test name>/<n>-name.png (for people to look at)."""
    folder = ARTIFACTS / request.node.originalname
    folder.mkdir(parents=True, exist_ok=True)
    counter = iter(range(1, 100))

    def _shot(page, name: str) -> Path:
        path = folder / f"{next(counter):02d}-{name}.png"
        page.screenshot(path=path, full_page=True)
        return path

    return _shot


def client_for(username: str):
    """A Django test client logged in as ``username``: filing and deciding beside the browser."""
    from django.test import Client

    from institutions.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


@pytest.fixture
def policy_violations():
    """watch(page) → the console messages in which Chromium reports a Content-Security-Policy violation."""
    found = []

    def watch(page) -> list[str]:
        page.on("console", lambda m: found.append(m.text) if "Content Security Policy" in m.text else None)
        return found

    return watch
