"""Closing (注销) an institution ends its open applications in the same transaction, and no approval places
a person at a suspended (暂停) or closed institution: the reviewer is told so and returns the application."""

import pytest
from django.urls import reverse
from django_fsm_log.models import StateLog

from certificates import transfer as transfer_process
from certificates.models import CertificateStatus
from institutions.models import Institution
from personnel.models import Person
from reviews.actions import FilingRefused
from reviews.models import Application, Decision, State

from .test_forged_filings import personnel_body
from .workflow import accept, certificate, decide, file_transfer

pytestmark = pytest.mark.django_db

SZ_JC = "苏州建科建材检测有限公司"
NJ_JC = "南京华宁建材检测有限公司"
NJ_DUAL = "南京市建设工程质量检测中心"
WX = "无锡市建设工程质量检测中心"
REFUSED_APPROVAL = "不能接收人员，本申请不能同意；请退回"


def change_status(login, action, name, reason):
    institution = Institution.objects.get(name=name)
    response = login("province").post(
        reverse(f"institution_{action}", args=[institution.pk]), {"reason": reason}
    )
    assert response.status_code == 302, response.content.decode()[:2000]


def last_log(application):
    return StateLog.objects.for_(Application.objects.get(pk=application.pk)).order_by("-pk").first()


def test_closing_withdraws_what_it_filed_and_ends_the_transfers_addressed_to_it(login):
    filed = file_transfer(login("sz-jc"), "刘洋", WX)  # filed by the institution that is closed
    waiting = file_transfer(login("nj-jc"), "王强", SZ_JC)  # addressed to it, 待接收
    under_review = file_transfer(
        login("nj-dual"), "孙丽", SZ_JC
    )  # addressed to it, accepted, one city agreed
    accept(login("sz-jc"), under_review)
    decide(login("nanjing"), under_review)

    change_status(login, "close", SZ_JC, "机构申请注销")

    expected = {
        filed.pk: (State.WITHDRAWN, "withdraw_for_closed_institution", "申请单位已注销：机构申请注销"),
        waiting.pk: (State.REFUSED, "refuse_for_closed_receiver", "调入机构已注销：机构申请注销"),
        under_review.pk: (State.WITHDRAWN, "withdraw_for_closed_institution", "调入机构已注销：机构申请注销"),
    }
    for pk, (state, transition, description) in expected.items():
        application = Application.objects.get(pk=pk)
        log = last_log(application)
        assert (application.state, log.transition, log.by.username, log.description) == (
            state,
            transition,
            "province",
            description,
        )
        assert application.closed_at is not None
    page = login("nj-jc").get(reverse("application_detail", args=[waiting.pk])).content.decode()
    assert "已拒收" in page and "调入机构已注销：机构申请注销" in page

    # Nobody moved: the people stay where they were, their certificates untouched.
    assert Person.objects.get(name="王强").institution.name == NJ_JC
    assert Person.objects.get(name="孙丽").institution.name == NJ_DUAL
    sun = certificate("苏JC-2023-00005")
    assert (sun.status, sun.institution.name) == (CertificateStatus.NORMAL, NJ_DUAL)
    # The review cannot go on, and the filer may send its person elsewhere at once.
    assert login("suzhou").post(
        reverse("application_decide", args=[under_review.pk]), {"decision": "approve", "opinion": "同意。"}
    ).status_code in (403, 409)
    assert not Application.objects.waiting_for(login("province").get(reverse("home")).wsgi_request.user)
    assert file_transfer(login("nj-jc"), "王强", WX).state == State.PENDING_RECEIPT


def test_closing_leaves_other_institutions_applications_alone(login):
    other = file_transfer(login("nj-jc"), "王强", WX)
    change_status(login, "close", SZ_JC, "机构申请注销")
    assert Application.objects.get(pk=other.pk).state == State.PENDING_RECEIPT


def test_no_approval_moves_a_person_into_a_suspended_receiver_the_reviewer_returns_it(login):
    transfer = file_transfer(login("nj-jc"), "王强", SZ_JC)
    accept(login("sz-jc"), transfer)
    change_status(login, "suspend", SZ_JC, "监督检查发现问题，责令整改")

    response = decide(login("nanjing"), transfer, expect=400)
    assert f"{SZ_JC}已暂停，{REFUSED_APPROVAL}" in response.content.decode()
    assert not Decision.objects.filter(application=transfer).exists()

    change_status(login, "resume", SZ_JC, "整改完成")
    decide(login("nanjing"), transfer)
    decide(login("suzhou"), transfer)
    change_status(login, "suspend", SZ_JC, "再次检查发现问题")
    response = decide(login("province"), transfer, expect=400)
    assert REFUSED_APPROVAL in response.content.decode()
    transfer.refresh_from_db()
    assert transfer.state == State.PENDING_PROVINCE
    assert Person.objects.get(name="王强").institution.name == NJ_JC
    assert certificate("苏JC-2018-00231").institution.name == NJ_JC

    decide(login("province"), transfer, decision="return", opinion="调入机构已暂停，请改选调入机构。")
    transfer.refresh_from_db()
    assert transfer.state == State.RETURNED


def test_a_new_persons_filing_is_not_approved_while_its_institution_is_suspended(login):
    response = login("nj-jc").post(reverse("person_new", args=["jc"]), personnel_body())
    assert response.status_code == 302, response.content.decode()[:2000]
    filing = Application.objects.get(type="personnel_filing")
    change_status(login, "suspend", NJ_JC, "监督检查发现问题，责令整改")
    response = decide(login("nanjing"), filing, expect=400)
    assert f"{NJ_JC}已暂停，{REFUSED_APPROVAL}" in response.content.decode()
    change_status(login, "resume", NJ_JC, "整改完成")
    decide(login("nanjing"), filing)
    assert Application.objects.get(pk=filing.pk).state == State.PENDING_PROVINCE


def test_the_transfer_effect_never_moves_a_person_to_a_closed_institution(login):
    transfer = file_transfer(login("nj-jc"), "王强", SZ_JC)
    Institution.objects.filter(name=SZ_JC).update(status=Institution.Status.CANCELLED)
    with pytest.raises(FilingRefused):
        transfer_process.apply(transfer.detail(), transfer.institution.users.first())
    assert Person.objects.get(name="王强").institution.name == NJ_JC
