"""The four transfer cases of the guide (docs/domain.md, "The transfer rule"), driven through HTTP as the demo accounts."""

import pytest
from django.urls import reverse

from certificates.models import Announcement, CertificateStatus, PrintTask
from personnel.models import Person
from reviews.models import State

from .workflow import certificate, walk_transfer

pytestmark = pytest.mark.django_db


def test_it_moves_a_single_certificate_to_a_single_kind_institution(login):
    """Case 1: 王强, 南京华宁建材 → 苏州建科建材."""
    application = walk_transfer(
        login, "王强", "nj-jc", "sz-jc", "苏州建科建材检测有限公司", ["nanjing", "suzhou"]
    )
    assert application.state == State.APPROVED
    jc = certificate("苏JC-2018-00231")
    assert (jc.status, jc.institution.name) == (CertificateStatus.NO_CREDIT_FILE, "苏州建科建材检测有限公司")
    assert Person.objects.get(name="王强").institution.name == "苏州建科建材检测有限公司"


def test_it_moves_a_single_certificate_to_a_dual_institution(login):
    """Case 2: 刘洋, 苏州建科建材 → 无锡市建设工程质量检测中心."""
    walk_transfer(login, "刘洋", "sz-jc", "wx-dual", "无锡市建设工程质量检测中心", ["suzhou", "wuxi"])
    jc = certificate("苏JC-2021-00056")
    assert (jc.status, jc.institution.name) == (
        CertificateStatus.NO_CREDIT_FILE,
        "无锡市建设工程质量检测中心",
    )


def test_it_moves_both_certificates_between_dual_institutions(login):
    """Case 3: 张伟, 南京中心 → 无锡中心; both move, and the request shows in both modules."""
    application = walk_transfer(
        login, "张伟", "nj-dual", "wx-dual", "无锡市建设工程质量检测中心", ["nanjing", "wuxi"]
    )
    for number in ("苏JC-2019-00012", "苏DJ-2019-00012"):
        c = certificate(number)
        assert (c.status, c.institution.name) == (
            CertificateStatus.NO_CREDIT_FILE,
            "无锡市建设工程质量检测中心",
        )
    assert PrintTask.objects.filter(application=application).count() == 2
    province = login("province")
    for module in ("jc", "dj"):
        page = province.get(reverse("review_queue", args=[module, "transfer"]), {"tab": "done"})
        assert f"#{application.pk}" in page.content.decode(), module


def test_it_moves_the_held_kind_and_detaches_the_other_from_dual_to_single(login):
    """Case 4: 陈静, 无锡中心 → 苏州建科建材: 建材 无信用档案, 地基 调离."""
    application = walk_transfer(
        login, "陈静", "wx-dual", "sz-jc", "苏州建科建材检测有限公司", ["wuxi", "suzhou"]
    )
    jc, dj = certificate("苏JC-2017-00310"), certificate("苏DJ-2017-00310")
    assert (jc.status, jc.institution.name) == (CertificateStatus.NO_CREDIT_FILE, "苏州建科建材检测有限公司")
    assert (dj.status, dj.institution) == (CertificateStatus.DETACHED, None)
    assert list(
        PrintTask.objects.filter(application=application).values_list("certificate__number", flat=True)
    ) == ["苏JC-2017-00310"]
    announcement = Announcement.objects.get(application=application)
    assert announcement.person_name == "陈静"
    assert "苏JC-2017-00310" in announcement.certificate_numbers
    public = login("province").get(reverse("announcement_list")).content.decode()
    assert "陈静" in public and "320583198706060056" not in public
    person_page = login("sz-jc").get(reverse("person_detail", args=[jc.holder_id])).content.decode()
    assert "无信用档案" in person_page and "调离" in person_page


def test_it_detaches_a_certificate_when_the_receivers_qualification_has_expired(login):
    """Only a qualification in force counts: 苏州建科建材's 建材 qualification expired yesterday."""
    from datetime import timedelta

    from django.utils import timezone

    from institutions.models import Qualification

    Qualification.objects.filter(institution__name="苏州建科建材检测有限公司").update(
        valid_until=timezone.localdate() - timedelta(days=1)
    )
    walk_transfer(login, "王强", "nj-jc", "sz-jc", "苏州建科建材检测有限公司", ["nanjing", "suzhou"])
    jc = certificate("苏JC-2018-00231")
    assert (jc.status, jc.institution) == (CertificateStatus.DETACHED, None)


@pytest.mark.parametrize(
    ("valid_from", "valid_until", "approved_on", "moves"),
    [
        (-300, 0, 1, False),  # in force when filed, expired on the day of approval
        (1, 400, 1, True),  # starts between filing and approval
    ],
)
def test_the_receivers_qualification_counts_as_in_force_on_the_day_of_approval(
    login, monkeypatch, valid_from, valid_until, approved_on, moves
):
    """王强 → 苏州建科建材: filed today, approved ``approved_on`` days later; the 建材 qualification's
    dates are relative to the filing day. Only the day of approval decides."""
    from datetime import timedelta

    from django.utils import timezone

    from institutions.models import Qualification

    from .workflow import accept, decide, file_transfer

    today = timezone.localdate()
    Qualification.objects.filter(institution__name="苏州建科建材检测有限公司").update(
        valid_from=today + timedelta(valid_from), valid_until=today + timedelta(valid_until)
    )
    application = file_transfer(login("nj-jc"), "王强", "苏州建科建材检测有限公司")
    accept(login("sz-jc"), application)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: today + timedelta(approved_on))
    for account in ("nanjing", "suzhou", "province"):
        decide(login(account), application)
    application.refresh_from_db()
    assert application.state == State.APPROVED
    jc = certificate("苏JC-2018-00231")
    if moves:
        assert (jc.status, jc.institution.name) == (
            CertificateStatus.NO_CREDIT_FILE,
            "苏州建科建材检测有限公司",
        )
    else:
        assert (jc.status, jc.institution) == (CertificateStatus.DETACHED, None)
