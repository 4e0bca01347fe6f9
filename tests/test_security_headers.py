"""Browser security headers in every mode, no inline script or style for the policy to allow, the production
cookie names and the Chinese CSRF failure page."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from institutions.models import User
from reviews.models import Application, State

from . import workflow

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[1]
POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'self'; "
    "form-action 'self'; object-src 'none'; base-uri 'self'"
)
PERMISSIONS = "camera=(), microphone=(), geolocation=(), payment=()"


def assert_policy(response):
    assert response["Content-Security-Policy"] == POLICY
    assert "unsafe-inline" not in POLICY and "unsafe-eval" not in POLICY
    assert response["Permissions-Policy"] == PERMISSIONS


def test_it_sends_the_policy_on_every_kind_of_page_in_development(client, login):
    assert not settings.PRODUCTION, "the tests run with development settings"
    application = workflow.file_transfer(login("nj-jc"), "王强", "苏州建科建材检测有限公司")
    for response in (
        client.get(reverse("login")),
        client.get(reverse("announcement_list")),
        client.get(reverse("home")),  # the redirect to the login page
        login("nj-jc").get(reverse("home")),
        login("suzhou").get(reverse("application_detail", args=[application.pk])),
        login("province").get(reverse("person_list", args=["jc"]), {"format": "xlsx"}),
        login("wuxi").get(reverse("application_detail", args=[application.pk])),  # 404
    ):
        assert_policy(response)


def test_it_keeps_the_attachment_downloads_own_sandbox_policy(login):
    workflow.file_transfer(login("nj-jc"), "王强", "苏州建科建材检测有限公司")
    attachment = Application.objects.get().attachments.get()
    response = login("sz-jc").get(reverse("attachment_download", args=[attachment.pk]))
    assert response.status_code == 200
    assert response["Content-Security-Policy"].startswith("sandbox; default-src 'none'")
    assert response["Permissions-Policy"] == PERMISSIONS


INLINE = {
    "an inline event handler": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "a javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
    "an inline script": re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.IGNORECASE),
    "a style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "a style element": re.compile(r"<style\b", re.IGNORECASE),
}


def test_it_leaves_nothing_inline_for_the_policy_to_block():
    templates = sorted((ROOT / "templates").rglob("*.html"))
    assert len(templates) > 40
    found = [
        f"{path.relative_to(ROOT)}:{text[: match.start()].count(chr(10)) + 1}: {what}"
        for path in templates
        for text in [path.read_text()]
        for what, pattern in INLINE.items()
        for match in pattern.finditer(text)
    ]
    assert found == []


def test_it_renders_the_busiest_page_without_inline_script(login):
    application = workflow.file_transfer(login("nj-jc"), "王强", "苏州建科建材检测有限公司")
    html = login("nj-jc").get(reverse("application_detail", args=[application.pk])).content.decode()
    assert 'data-confirm="确定撤回该申请？"' in html
    assert [what for what, pattern in INLINE.items() if pattern.search(html)] == []


def test_it_answers_a_form_without_its_token_with_the_chinese_page(demo):
    filer = Client()
    filer.force_login(User.objects.get(username="nj-jc"))
    application = workflow.file_transfer(filer, "王强", "苏州建科建材检测有限公司")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(User.objects.get(username="nj-jc"))
    response = strict.post(reverse("application_withdraw", args=[application.pk]))
    assert response.status_code == 403
    html = response.content.decode()
    assert "页面已过期，操作未执行" in html and "请返回后刷新页面，再重新提交" in html
    assert "CSRF verification failed" not in html
    assert_policy(response)
    application.refresh_from_db()
    assert application.state == State.PENDING_RECEIPT


def test_it_keeps_the_csrf_cookie_from_scripts(client):
    response = client.get(reverse("login"))
    cookie = response.cookies[settings.CSRF_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert "csrfmiddlewaretoken" in response.content.decode(), "forms carry the token themselves"


def test_it_names_the_cookies_with_the_host_prefix_in_production():
    env = {
        **os.environ,
        "JIANCE_PRODUCTION": "1",
        "SECRET_KEY": "s" * 64,
        "ALLOWED_HOSTS": "jiance.example.gov.cn",
    }
    script = (
        "from jiance import settings as s; "
        "print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["__Host-sessionid", "__Host-csrftoken", "True", "True"]
    assert settings.SESSION_COOKIE_NAME == "sessionid", "development keeps the plain names (no HTTPS)"
