"""Which module's lists show a person (建材 / 地基) is a column of the person (``module_jc`` /
``module_dj``): a holder of a kind is in its module, someone with no certificate yet in both. Creating a
certificate, one by one or in bulk, keeps the columns right, and the lists read them without touching
the certificates."""

import datetime

import pytest
from django.urls import reverse

from certificates.models import PostCertificate
from institutions.models import Institution, Kind
from personnel.models import Person

from .test_pages import NJ_DUAL, names_listed
from .test_search_plans import plan

pytestmark = pytest.mark.django_db


def newcomer(name: str, id_number: str) -> Person:
    return Person.objects.create(
        name=name,
        id_number=id_number,
        gender="男",
        birth_date=datetime.date(1990, 1, 1),
        institution=Institution.objects.get(name=NJ_DUAL),
    )


def certificate(person: Person, kind: str, serial: int) -> PostCertificate:
    return PostCertificate(
        kind=kind,
        number=f"苏{kind}-2039-{serial:05d}",
        holder=person,
        institution=person.institution,
        issued_on=datetime.date(2039, 1, 1),
    )


def listed(login, module: str) -> set[str]:
    return names_listed(login("nj-dual").get(reverse("person_list", args=[module])).content.decode())


def modules(person: Person) -> tuple[bool, bool]:
    person.refresh_from_db()
    return person.module_jc, person.module_dj


def test_a_person_follows_the_certificates_created_for_them(login):
    person = newcomer("模块甲", "32010219900101003X")
    assert modules(person) == (True, True), "no certificate yet: both modules"
    assert "模块甲" in listed(login, "jc") and "模块甲" in listed(login, "dj")

    certificate(person, Kind.DJ, 1).save()
    assert modules(person) == (False, True)
    assert "模块甲" not in listed(login, "jc") and "模块甲" in listed(login, "dj")

    certificate(person, Kind.JC, 2).save()
    assert modules(person) == (True, True)
    assert "模块甲" in listed(login, "jc") and "模块甲" in listed(login, "dj")


def test_certificates_created_in_bulk_set_their_holders_modules(login):
    first, second = newcomer("模块乙", "320102199001010048"), newcomer("模块丙", "320102199001010056")
    PostCertificate.objects.bulk_create([certificate(first, Kind.JC, 3), certificate(second, Kind.DJ, 4)])
    assert modules(first) == (True, False) and modules(second) == (False, True)
    assert listed(login, "jc") >= {"模块乙"} and "模块丙" not in listed(login, "jc")


def test_the_demos_modules_match_the_certificates(demo):
    """seed_demo's people, set by the same code as any certificate's creation."""
    for person in Person.objects.prefetch_related("certificates"):
        kinds = {c.kind for c in person.certificates.all()}
        assert (person.module_jc, person.module_dj) == (
            Kind.JC in kinds or not kinds,
            Kind.DJ in kinds or not kinds,
        ), person.name


@pytest.mark.parametrize("kind", [Kind.JC, Kind.DJ])
def test_a_module_list_does_not_read_the_certificates(demo, kind):
    """At 100,000 people PostgreSQL hashed every certificate of the province to filter a page of 20."""
    query = Person.objects.in_module(kind).order_by("name", "pk")[:21]
    assert "certificates_postcertificate" not in plan(query)
