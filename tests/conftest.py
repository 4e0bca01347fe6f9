"""Personas from the demo data (docs/demo-data.md) and a private media folder per test."""

import pytest
from django.core.management import call_command
from django.test import Client

from institutions.models import User


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: menus cached by an earlier test's data must not show."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _fresh_calendar():
    """A holiday table or a time limit saved by a test is rolled back after it: the next test must not
    count working days from this process's copy of it."""
    from workdays import calendar

    yield
    calendar.forget()


@pytest.fixture(autouse=True)
def _fresh_cities():
    """The city table is read again in each test: a test database may create the cities anew."""
    from institutions import cities

    cities.forget()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media"},
        },
    }


@pytest.fixture
def demo(db):
    """The demo data set, loaded by the real command."""
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


@pytest.fixture
def login(demo):
    """login("nj-dual") → a test client logged in as that demo account."""

    def _login(username: str) -> Client:
        client = Client()
        client.force_login(User.objects.get(username=username))
        return client

    return _login


def pytest_collection_modifyitems(config, items):
    """Row-lock races only mean something on PostgreSQL (SQLite ignores select_for_update)."""
    from django.conf import settings

    if "postgresql" in settings.DATABASES["default"]["ENGINE"]:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: run with DATABASE_URL=postgres://…")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)
