"""帮助: a page per role walking the guide's steps, every link opening a real page for that role; and the
login page's "若帐号密码遗忘，可联系省质监总站" with the contact from settings."""

import re

import pytest
from django.test import Client
from django.urls import resolve, reverse

pytestmark = pytest.mark.django_db

TOPICS = {
    "province": ["审核", "证书打印", "证书收回", "证书注销（撤销）", "机构与系统管理", "消息"],
    "nanjing": ["审核", "证书发放", "查询", "消息"],
    "nj-dual": ["人员变更调离", "人员上岗证补办", "人员注销", "人员备案与机构备案", "消息"],
    "sz-dj": ["人员变更调离", "人员注销", "人员备案与机构备案", "消息"],
}


def help_links(html: str) -> list[str]:
    body = html.split('id="help-topics"', 1)[1]
    return re.findall(r'<a href="([^"]+)"', body)


@pytest.mark.parametrize("username", list(TOPICS))
def test_each_role_gets_its_steps_and_every_link_opens(login, username):
    client = login(username)
    response = client.get(reverse("help"))
    assert response.status_code == 200
    html = response.content.decode()
    for title in TOPICS[username]:
        assert f"<h2>{title}</h2>" in html
    links = help_links(html)
    assert len(links) >= 5
    for url in links:
        resolve(url.split("?")[0])  # Resolver404 if a link points nowhere
        assert client.get(url).status_code == 200, url


def test_institutions_are_not_shown_reviewers_steps(login):
    links = help_links(login("nj-dual").get(reverse("help")).content.decode())
    assert reverse("print_queue") not in links and not [u for u in links if "/review/" in u]
    links = help_links(login("nanjing").get(reverse("help")).content.decode())
    assert reverse("transfer_new") not in links and reverse("print_queue") not in links


def test_help_needs_a_login(client):
    assert client.get(reverse("help"))["Location"].startswith(reverse("login"))


def test_the_login_page_names_the_province_contact(settings, db):
    settings.PROVINCE_CONTACT = "025-12345678 王老师"
    html = Client().get(reverse("login")).content.decode()
    assert "若帐号密码遗忘，可联系省质监总站（025-12345678 王老师）。" in html


def test_province_help_links_the_newer_pages(login):
    """账号管理, 资质到期提醒, 证书收回 and the province's own 注销 (from the 证书信息 list) are each linked."""
    client = login("province")
    links = help_links(client.get(reverse("help")).content.decode())
    for url in (
        reverse("account_list"),
        reverse("qualification_expiring"),
        reverse("recovery_list"),
        reverse("certificate_list", args=["jc"]),
    ):
        assert url in links, url
    listing = client.get(reverse("certificate_list", args=["jc"])).content.decode()
    assert "/revoke/" in listing  # the linked list is where the province's 注销 starts
