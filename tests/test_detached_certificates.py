"""调离 certificates: the holder's current institution may cancel them (注销); 补证 does not apply to them."""

import pytest
from django.urls import reverse

from certificates.models import CertificateStatus, Recovery
from reviews.models import Application

from .workflow import approve_everywhere, certificate, file_cancellation, file_reissue, walk_transfer

pytestmark = pytest.mark.django_db


@pytest.fixture
def detached(login):
    """Case 4: 陈静 moves from 无锡 (建材 + 地基) to 苏州建科 (建材 only): her 地基 certificate is 调离."""
    walk_transfer(login, "陈静", "wx-dual", "sz-jc", "苏州建科建材检测有限公司", ["wuxi", "suzhou"])
    c = certificate("苏DJ-2017-00310")
    assert (c.status, c.institution) == (CertificateStatus.DETACHED, None)
    return c


def test_it_lets_the_holders_current_institution_cancel_a_detached_certificate(login, detached):
    form = login("sz-jc").get(reverse("cancellation_new")).content.decode()
    assert "苏DJ-2017-00310" in form
    application = file_cancellation(login("sz-jc"), ["苏DJ-2017-00310"], agrees="yes")
    assert list(application.cities.values_list("name", flat=True)) == ["苏州市"]
    approve_everywhere(login, application, ["suzhou"])
    assert certificate("苏DJ-2017-00310").status == CertificateStatus.CANCELLED
    recovery = Recovery.objects.get(application=application)
    assert login("sz-jc").post(reverse("recovery_mail", args=[recovery.pk])).status_code == 302


def test_it_refuses_a_detached_certificate_to_its_former_institution(login, detached):
    assert "苏DJ-2017-00310" not in login("wx-dual").get(reverse("cancellation_new")).content.decode()
    response = file_cancellation(login("wx-dual"), ["苏DJ-2017-00310"], expect=400)
    assert "不在可用的选项中" in response.content.decode()
    assert not Application.objects.filter(type="cancellation").exists()


def test_it_offers_no_reissue_of_a_detached_certificate(login, detached):
    """补证 replaces the lost paper of a certificate in use at the filer's institution."""
    assert "苏DJ-2017-00310" not in login("sz-jc").get(reverse("reissue_new")).content.decode()
    response = file_reissue(login("sz-jc"), ["苏DJ-2017-00310"], expect=400)
    assert "不在可用的选项中" in response.content.decode()
    assert not Application.objects.filter(type="reissue").exists()


def test_the_filing_rule_refuses_a_detached_reissue_and_names_why(login, detached):
    """The rule holds below the form too (a forged filing reaches the action directly)."""
    from certificates.reissue import file_reissue as act
    from institutions.models import User
    from reviews.processes import FilingRefused

    with pytest.raises(FilingRefused, match="已调离，不在任何机构名下，不能补证"):
        act(User.objects.get(username="sz-jc"), [detached], "遗失", {})
    assert not Application.objects.filter(type="reissue").exists()
