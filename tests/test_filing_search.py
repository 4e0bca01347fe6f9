"""添加变更 / 添加补办 / 添加注销 at a large institution: the form offers at most SHOWN people or
certificates and finds the rest by name, ID number or certificate number (查找人员); it still accepts any
of the institution's own, in a number of queries that does not grow with the institution; and the long
调入机构 list (web.widgets.LongSelect) is the HTML Django's own select writes."""

import datetime
import re

import pytest
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from certificates.forms import SHOWN
from certificates.models import CancellationRequest, CertificateStatus, PostCertificate
from institutions.models import Institution, Kind
from personnel.models import Person
from personnel.validators import id_check_char
from web.widgets import LongCheckboxes, LongSelect, leave_out, select_written, write_options

from .workflow import file_cancellation, file_transfer

pytestmark = pytest.mark.django_db

NJ_JC = "南京华宁建材检测有限公司"


FAMILY, GIVEN = "赵钱孙李周吴郑冯陈褚卫蒋沈韩杨", "一二三四五六七八九十百千万亿兆"


def name(i: int) -> str:
    """A name without digits (a digit makes a search a certificate number's), unique below 225."""
    return f"批{FAMILY[i // 15]}{GIVEN[i % 15]}"


def id_number(sequence: int) -> str:
    first17 = f"320102199001{sequence:05d}"
    return first17 + id_check_char(first17)


def staff(count: int, *, start: int = 0, prefix: str = "", year: int = 2030) -> list[Person]:
    """``count`` more people at 南京华宁 (ID numbers from ``start``, names after ``prefix``), each
    holding a 建材 certificate 苏JC-<year>-NNNNN."""
    institution = Institution.objects.get(name=NJ_JC)
    people = Person.objects.bulk_create(
        Person(
            name=prefix + name(i),
            id_number=id_number(start + i),
            gender="男",
            birth_date=datetime.date(1990, 1, 1),
            institution=institution,
        )
        for i in range(count)
    )
    PostCertificate.objects.bulk_create(
        PostCertificate(
            kind=Kind.JC,
            number=f"苏JC-{year}-{i:05d}",
            holder=p,
            institution=institution,
            status=CertificateStatus.NORMAL,
            issued_on=datetime.date(year, 1, 1),
        )
        for i, p in enumerate(people)
    )
    return people


def checkbox_values(page: str) -> list[str]:
    return re.findall(r'type="checkbox" name="certificates" value="(\d+)"', page)


@pytest.mark.parametrize("url_name", ["reissue_new", "cancellation_new"])
def test_a_large_institution_is_offered_the_first_fifty_and_finds_the_rest(login, url_name):
    people = staff(SHOWN + 10)
    me = login("nj-jc")
    page = me.get(reverse(url_name)).content.decode()
    assert len(checkbox_values(page)) == SHOWN
    assert "下面仅列出前 50 项" in page and 'id="person-search"' in page
    last = people[-1]
    certificate = PostCertificate.objects.get(holder=last)
    for search in (last.name, last.id_number, certificate.number, certificate.number[:12].lower()):
        found = me.get(reverse(url_name), {"q": search}).content.decode()
        assert str(certificate.pk) in checkbox_values(found), search
        assert "下面仅列出前" not in found or search == certificate.number[:12].lower()
    nobody = me.get(reverse(url_name), {"q": "查无此人"}).content.decode()
    assert checkbox_values(nobody) == [] and "没有找到符合条件的人员。" in nobody
    assert "本机构暂无可办理的证书" not in nobody


def test_a_certificate_not_on_the_first_page_is_still_accepted(login):
    people = staff(SHOWN + 10)
    certificate = PostCertificate.objects.get(holder=people[-1])
    application = file_cancellation(login("nj-jc"), [certificate.number])
    assert list(CancellationRequest.objects.get(pk=application.pk).certificates.all()) == [certificate]


def test_a_refused_filing_keeps_the_chosen_certificate_offered_and_checked(login):
    people = staff(SHOWN + 10)
    certificate = PostCertificate.objects.get(holder=people[-1])
    response = login("nj-jc").post(reverse("cancellation_new"), {"certificates": [certificate.pk]})
    assert response.status_code == 400
    page = response.content.decode()
    assert re.search(rf'value="{certificate.pk}"[^>]*checked', page), "the filer's choice is still shown"


def test_the_form_costs_the_same_queries_for_twenty_or_two_hundred_people(login):
    me = login("nj-jc")

    def queries(url) -> int:
        me.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert me.get(url).status_code == 200
        return len(ctx.captured_queries)

    urls = [reverse("reissue_new"), reverse("cancellation_new"), reverse("transfer_new")]
    staff(20)
    few = [queries(url) for url in urls]
    staff(180, start=1000, prefix="后", year=2031)
    assert [queries(url) for url in urls] == few


def test_transfer_offers_fifty_people_and_finds_the_rest(login):
    people = staff(SHOWN + 5)
    me = login("nj-jc")
    page = me.get(reverse("transfer_new")).content.decode()
    person_select = re.search(r'<select name="person".*?</select>', page, re.S).group(0)
    assert len(re.findall(r'<option value="\d+"', person_select)) == SHOWN
    found = me.get(reverse("transfer_new"), {"q": people[-1].id_number}).content.decode()
    person_select = re.search(r'<select name="person".*?</select>', found, re.S).group(0)
    assert re.findall(r'<option value="(\d+)"', person_select) == [str(people[-1].pk)]
    application = file_transfer(me, people[-1].name, "苏州建科建材检测有限公司")
    assert application.person == people[-1]


@pytest.mark.parametrize("value", [None, "", "2", "999", 3, ["2", "3"]])
def test_long_select_writes_djangos_html(value):
    choices = [
        (None, "请选择调入机构"),
        ("南京市", [(1, "甲 <公司>"), (2, "乙 & 丙"), (None, "戊")]),
        (3, "丁"),
    ]
    attrs = {"id": "id_x", "required": True, "aria-describedby": "x_help", "disabled": False}
    ours = LongSelect(choices=choices).render("x", value, attrs=attrs)
    djangos = forms.Select(choices=choices).render("x", value, attrs=attrs)
    squeeze = lambda html: re.sub(r">\s+<", "><", html.strip())  # noqa: E731
    assert squeeze(ours) == squeeze(djangos)
    assert ('value="2" selected' in ours) == (value in ("2", ["2", "3"]))


class Written:
    """Choices that keep their options written, as 添加变更's 调入机构 do, leaving one out."""

    def __init__(self, choices, left_out):
        self.choices, self.left_out = choices, left_out

    def __iter__(self):
        return iter([c for c in self.choices if c[0] != self.left_out])

    def written(self, values):
        return select_written(leave_out(write_options(self.choices), self.left_out), values)


@pytest.mark.parametrize("value", [None, "", "2", "22", "999", 3, ["2", "3"]])
@pytest.mark.parametrize("left_out", [None, 2, 22, 1])
def test_long_select_draws_kept_options_as_djangos_html(value, left_out):
    choices = [("", "请选择调入机构"), (1, "甲 <公司>"), (2, "乙 & 丙"), (22, "丁"), (3, "戊")]
    attrs = {"id": "id_x", "required": True}
    ours = LongSelect(choices=Written(choices, left_out)).render("x", value, attrs=attrs)
    offered = [c for c in choices if c[0] != left_out]
    djangos = forms.Select(choices=offered).render("x", value, attrs=attrs)
    squeeze = lambda html: re.sub(r">\s+<", "><", html.strip())  # noqa: E731
    assert squeeze(ours) == squeeze(djangos)
    chosen = {str(v) for v in (value if isinstance(value, list) else [value])} - {str(left_out)}
    assert ('value="2" selected' in ours) == ("2" in chosen) and ('value="22" selected' in ours) == (
        "22" in chosen
    )


@pytest.mark.parametrize("value", [None, [], ["2"], [2, "3"], ["999"]])
@pytest.mark.parametrize("grouped", [False, True])
def test_long_checkboxes_write_djangos_html(value, grouped):
    choices = [(1, "甲 <公司>"), (2, "乙 & 丙"), (3, "丁")]
    if grouped:
        choices = [("南京市", choices[:2]), (None, [(4, "戊")]), *choices[2:]]
    attrs = {"id": "id_x", "class": "boxes", "data-x": True, "disabled": False}
    ours = LongCheckboxes(choices=choices).render("x", value, attrs=attrs)
    djangos = forms.CheckboxSelectMultiple(choices=choices).render("x", value, attrs=attrs)
    squeeze = lambda html: re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html.strip()))  # noqa: E731
    assert squeeze(ours) == squeeze(djangos)
    assert bool(re.search(r'value="2"[^>]* checked>', ours)) == bool(value and "2" in map(str, value))
    without_id = {k: v for k, v in attrs.items() if k != "id"}
    assert squeeze(LongCheckboxes(choices=choices).render("x", value, attrs=without_id)) == squeeze(
        forms.CheckboxSelectMultiple(choices=choices).render("x", value, attrs=without_id)
    )


def test_transfer_offers_every_other_operating_institution_with_its_city(login):
    page = login("nj-jc").get(reverse("transfer_new")).content.decode()
    select = re.search(r'<select name="receiving_institution".*?</select>', page, re.S).group(0)
    offered = re.findall(r'<option value="(\d+)">([^<]+)</option>', select)
    own = Institution.objects.get(name=NJ_JC)
    expected = [
        (str(i.pk), f"{i.name}（{i.city.name}）")
        for i in Institution.objects.operating().exclude(pk=own.pk).order_by("city__order", "name")
    ]
    assert offered == expected and len(expected) > 1
    assert '<option value="" selected>请选择调入机构</option>' in select


def offered_institutions(client) -> list[str]:
    page = client.get(reverse("transfer_new")).content.decode()
    select = re.search(r'<select name="receiving_institution".*?</select>', page, re.S).group(0)
    return re.findall(r'<option value="\d+">([^<]+)</option>', select)


def test_the_offered_institutions_are_kept_until_an_institution_changes(login):
    """Read once for everyone (each filer's own left out), and fresh at once when the province adds an
    institution or closes one."""
    from filings.institution_status import change_status
    from institutions.accounts import create_institution
    from institutions.models import City, User

    nj, wx = login("nj-jc"), login("wx-dual")
    from_nj = offered_institutions(nj)
    with CaptureQueriesContext(connection) as ctx:
        from_wx = offered_institutions(wx)
    read = [q for q in ctx.captured_queries if '"institutions_institution"."city_id" ASC' in q["sql"]]
    assert not read, "read once for every filer"
    assert f"{NJ_JC}（南京市）" in from_wx and f"{NJ_JC}（南京市）" not in from_nj
    assert (
        "无锡市建设工程质量检测中心（无锡市）" in from_nj
        and "无锡市建设工程质量检测中心（无锡市）" not in from_wx
    )
    province = User.objects.get(username="province")
    create_institution(
        province,
        name="南京新设检测有限公司",
        credit_code="91320100MA1XYZ1234",
        city=City.objects.get(code="nanjing"),
        username="nj-new",
        password="Jiance@2026x",
    )
    assert "南京新设检测有限公司（南京市）" in offered_institutions(nj)
    closed = Institution.objects.get(name="苏州岩土地基检测有限公司")
    change_status(closed.pk, province, "close", "测试注销")
    assert "苏州岩土地基检测有限公司（苏州市）" not in offered_institutions(nj)
