"""/healthz and /readyz, as the load balancer sees them: anonymous, plain HTTP, bounded in time."""

import time

import pytest
from django.core.files.storage import FileSystemStorage
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

HANG_SECONDS = 3


class HungStorage(FileSystemStorage):
    """A bucket that accepts the connection and never answers (within the test's patience)."""

    def exists(self, name):
        time.sleep(HANG_SECONDS)
        return False


@pytest.fixture
def balancer():
    return Client(raise_request_exception=False)


@pytest.mark.django_db
def test_it_says_the_process_is_up_without_touching_the_database(balancer):
    with CaptureQueriesContext(connection) as queries:
        response = balancer.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert len(queries) == 0
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db(transaction=True)
def test_it_is_ready_when_database_cache_and_storage_answer(balancer):
    response = balancer.get("/readyz")
    body = response.content.decode()
    assert response.status_code == 200, body
    assert "database: ok" in body and "cache: ok" in body and "storage: ok" in body


@pytest.mark.django_db(transaction=True)
def test_it_is_not_ready_when_the_cache_is_down(balancer, settings):
    settings.CACHES = {
        "default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    response = balancer.get("/readyz")
    body = response.content.decode()
    assert response.status_code == 503, body
    assert "cache: ConnectionError" in body
    assert "database: ok" in body


@pytest.mark.django_db(transaction=True)
def test_it_answers_503_within_its_timeout_when_storage_hangs(balancer, settings, tmp_path):
    settings.READYZ_TIMEOUT_SECONDS = 0.5
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "tests.test_health.HungStorage", "OPTIONS": {"location": tmp_path}},
    }
    started = time.monotonic()
    response = balancer.get("/readyz")
    took = time.monotonic() - started
    assert response.status_code == 503
    assert "storage: timeout after 0.5s" in response.content.decode()
    assert took < HANG_SECONDS - 1, took


@pytest.mark.django_db
def test_the_balancers_plain_http_checks_are_not_redirected_to_https(balancer, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert balancer.get("/healthz").status_code == 200
    assert balancer.get("/readyz").status_code in (200, 503)
    assert balancer.get("/accounts/login/").status_code == 301  # everything else still is
