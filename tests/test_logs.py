"""Application logs: one JSON object per line with time, level, request id, user id and path."""

import io
import json
import logging

import pytest
from django.urls import reverse

from institutions.models import User
from web.logs import JsonFormatter

pytestmark = pytest.mark.django_db


@pytest.fixture
def log_lines():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)


def test_it_writes_each_record_as_json_tied_to_its_request(login, log_lines):
    response = login("nanjing").get(reverse("institution_new"))  # refused: django.request warns
    assert response.status_code == 403
    (entry,) = log_lines()
    assert entry["level"] == "WARNING" and entry["logger"] == "django.request"
    assert entry["request_id"] == response["X-Request-ID"]
    assert entry["user_id"] == User.objects.get(username="nanjing").pk
    assert entry["path"] == reverse("institution_new")
    assert entry["time"][:4].isdigit()


def test_it_keeps_the_proxys_request_id_when_it_is_a_sane_token(login):
    client = login("nanjing")
    assert client.get(reverse("home"), HTTP_X_REQUEST_ID="abc-12345678")["X-Request-ID"] == "abc-12345678"
    forged = client.get(reverse("home"), HTTP_X_REQUEST_ID="<script>")["X-Request-ID"]
    assert forged != "<script>" and len(forged) == 32


def test_it_never_writes_a_full_id_number():
    record = logging.LogRecord(
        "x", logging.ERROR, __file__, 1, "找不到 320102198503120012 或 32050619900723002X", None, None
    )
    line = JsonFormatter().format(record)
    assert "320102198503120012" not in line and "32050619900723002X" not in line
    assert "3201**********0012" in line and "3205**********002X" in line
