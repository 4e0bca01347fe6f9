"""信用管理's pages: the same number of queries however many rows, the shared 证书查询 limit, no ID number
in public, the menu, and the grade count in one aggregate."""

from datetime import timedelta

from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from certificates import lookup
from credit.models import Category, CreditRecord, CreditScore
from credit.recording import record_conduct
from institutions.models import Institution, User
from personnel.models import Person

from .test_pages import queries_for
from .workflow import decide, record_credit

WANG_JC = ("苏JC-2018-00231", "王强")


def add_records(count: int, *, person=None) -> None:
    """``count`` 不良 records by the province, spread over the demo institutions (in effect at once)."""
    province = User.objects.get(username="province")
    institutions = list(Institution.objects.order_by("pk"))
    categories = list(Category.objects.filter(nature="bad"))
    for n in range(count):
        institution = person.institution if person else institutions[n % len(institutions)]
        record_conduct(
            province,
            CreditRecord(
                institution=institution,
                person_about=person,
                category=categories[n % len(categories)],
                points=1,
                years=1,
                conduct_date=timezone.localdate() - timedelta(days=n + 1),
                description=f"第{n}次",
            ),
            {},
        )


def test_it_lists_records_in_the_same_number_of_queries_for_2_and_25(login):
    add_records(2)
    for username in ("province", "nanjing"):
        url = reverse("credit_record_list")
        few = queries_for(login(username), url)
        add_records(23)
        assert queries_for(login(username), url) == few


def test_it_lists_an_institutions_records_in_the_same_number_of_queries(login):
    nj_jc = Institution.objects.get(name="南京华宁建材检测有限公司")
    client = login("nj-jc")
    url = reverse("credit_record_list")
    add_records(1, person=Person.objects.filter(institution=nj_jc).first())
    few = queries_for(client, url)
    add_records(12, person=Person.objects.filter(institution=nj_jc).first())
    assert queries_for(client, url) == few


def test_it_ranks_and_shows_the_public_list_in_the_same_number_of_queries(login, client):
    add_records(5)
    call_command("recompute_credit", stdout=open("/dev/null", "w"))  # noqa: SIM115
    ranking = reverse("credit_ranking")
    public_list = reverse("credit_public_list")
    few = (queries_for(login("province"), ranking), queries_for(client, public_list))
    nanjing = Institution.objects.get(name="南京华宁建材检测有限公司").city
    for n in range(15):  # 20 institutions: a full page of each list
        Institution.objects.create(name=f"测试检测机构{n:02d}", credit_code=f"TEST{n:014d}", city=nanjing)
    add_records(40)
    call_command("recompute_credit", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert (queries_for(login("province"), ranking), queries_for(client, public_list)) == few


def test_it_counts_institutions_per_grade_in_one_query(demo, django_assert_num_queries):
    add_records(3)
    call_command("recompute_credit", stdout=open("/dev/null", "w"))  # noqa: SIM115
    with django_assert_num_queries(1):
        counts = CreditScore.objects.institutions_by_grade()
    assert sum(counts.values()) == Institution.objects.count()


def test_it_shares_the_limit_of_certificate_look_ups(client, demo):
    cache.clear()
    for _ in range(lookup.VERIFY_LIMIT):
        assert client.get(reverse("verify"), {"number": "苏DJ-2017-00310", "name": "陈静"}).status_code == 200
    response = client.get(reverse("credit_public_person"), {"number": WANG_JC[0], "name": WANG_JC[1]})
    assert response.status_code == 429
    assert "查询过于频繁" in response.content.decode() and "南京华宁" not in response.content.decode()
    cache.clear()


def test_it_never_shows_an_id_number_in_public(login, client):
    wang = Person.objects.get(name="王强")
    credit_record = record_credit(
        login("nanjing"),
        person=WANG_JC,
        category="无证上岗",
        description=f"王强（身份证号{wang.id_number}）无证上岗",
    )
    decide(login("province"), credit_record)
    record_credit(
        login("province"), institution="南京华宁建材检测有限公司", description=f"涉及{wang.id_number}"
    )
    pages = [
        client.get(reverse("credit_public_list")).content.decode(),
        client.get(reverse("credit_public_list"), {"q": "南京"}).content.decode(),
        client.get(
            reverse("credit_public_person"), {"number": WANG_JC[0], "name": WANG_JC[1]}
        ).content.decode(),
    ]
    assert "无证上岗" in pages[2] and "出具虚假检测报告" in pages[0]
    for page in pages:
        assert wang.id_number not in page


def test_it_shows_each_role_its_credit_menu(login):
    record_credit(login("nanjing"), institution="南京华宁建材检测有限公司")
    province = login("province").get(reverse("home")).content.decode()
    assert "信用管理" in province and "信用行为目录" in province and "评价规则" in province
    city = login("nanjing").get(reverse("home")).content.decode()
    assert "信用评价" in city and "评价规则" not in city
    institution = login("nj-jc").get(reverse("home")).content.decode()
    assert "信用记录" in institution and "信用评价" not in institution
