"""After a 退回: the filer corrects every filed field and scan, or withdraws; a transfer's return names
whose part must change; reviewers sign every decision. Through HTTP as the demo accounts."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django_fsm_log.models import StateLog

from certificates.models import CancellationRequest, ReissueRequest
from filings.models import InstitutionFiling, PersonnelFiling
from institutions.models import Institution, User
from personnel.models import Person
from reviews import actions
from reviews.models import Application, Decision, State

from . import files
from .test_personnel_filing import file_new_person
from .workflow import accept, decide, file_cancellation, file_reissue, file_transfer

pytestmark = pytest.mark.django_db

NJ_JC, SZ_JC, WX_DUAL = "南京华宁建材检测有限公司", "苏州建科建材检测有限公司", "无锡市建设工程质量检测中心"


def fresh(application):
    application.refresh_from_db()
    return application


def history(application):
    ct = ContentType.objects.get_for_model(Application)
    return list(StateLog.objects.filter(content_type=ct, object_id=application.pk).order_by("pk"))


def page(client, application) -> str:
    response = client.get(reverse("application_detail", args=[application.pk]))
    assert response.status_code == 200
    return response.content.decode()


def resubmit(client, application, data, expect=302):
    response = client.post(reverse("application_resubmit", args=[application.pk]), data)
    assert response.status_code == expect, response.content.decode()[:3000]
    return response


def unchanged(application):
    """What a refused correction must leave as it was."""
    application = Application.objects.get(pk=application.pk)
    detail = application.detail()
    return (
        application.state,
        application.round,
        application.receiving_institution_id,
        sorted(application.cities.values_list("pk", flat=True)),
        sorted(application.attachments.values_list("pk", "superseded_in_round")),
        len(history(application)),
        {f.attname: getattr(detail, f.attname) for f in detail._meta.concrete_fields},
    )


@pytest.fixture
def returned_transfer(login):
    """王强 南京华宁 → 苏州建科, accepted, 南京 approved, 苏州 returned it (the filer's part)."""
    application = file_transfer(login("nj-jc"), "王强", SZ_JC)
    accept(login("sz-jc"), application)
    decide(login("nanjing"), application)
    decide(login("suzhou"), application, "return", "调入机构填写有误，请核实。")
    assert fresh(application).state == State.RETURNED
    return application


# --- 1. corrections: every field and scan, beside the reviewer's opinion ---------------------------


def test_the_correction_form_shows_the_opinion_and_the_filed_values(login, returned_transfer):
    html = page(login("nj-jc"), returned_transfer)
    assert 'id="return-opinion"' in html and "调入机构填写有误，请核实。" in html
    assert 'id="resubmit-form"' in html
    sz = Institution.objects.get(name=SZ_JC)
    assert f'<option value="{sz.pk}" selected>' in html, "the filed 调入机构 is preselected"
    assert 'name="termination"' in html
    assert 'name="person"' not in html, "whom it is about is not corrected"


def test_the_filer_changes_the_receiver_and_review_restarts(login, returned_transfer):
    wx = Institution.objects.get(name=WX_DUAL)
    old_receiver_scans = set(
        returned_transfer.attachments.filter(type="labour_contract").values_list("pk", flat=True)
    )
    resubmit(
        login("nj-jc"),
        returned_transfer,
        {"receiving_institution": wx.pk, "termination": files.png("新.png")},
    )
    application = fresh(returned_transfer)
    assert application.receiving_institution_id == wx.pk
    assert application.state == State.PENDING_RECEIPT, "a new receiver must accept"
    assert application.round == 2
    assert sorted(application.cities.values_list("name", flat=True)) == ["南京市", "无锡市"]
    assert not application.attachments.current().filter(pk__in=old_receiver_scans).exists()
    assert history(application)[-1].description == "修改后重新提交（更正：接收机构）"
    # The former receiver no longer sees it; the new one is asked to accept.
    assert login("sz-jc").get(reverse("application_detail", args=[application.pk])).status_code == 404
    assert "王强" in login("wx-dual").get(reverse("transfer_list")).content.decode()
    accept(login("wx-dual"), application)
    decide(login("nanjing"), application)
    assert fresh(application).state == State.PENDING_CITY, "waits for 无锡 in this round"
    decide(login("wuxi"), application)
    assert fresh(application).state == State.PENDING_PROVINCE
    # The city page shows the new value and the superseded scan.
    html = page(login("nanjing"), application)
    assert WX_DUAL in html and "新.png" in html and "已替换" in html


def test_the_history_names_each_actors_office_after_the_receiver_changed(login, returned_transfer):
    """The former receiver's 接收 still names it, though it is no longer a party of the application."""
    wx = Institution.objects.get(name=WX_DUAL)
    resubmit(login("nj-jc"), returned_transfer, {"receiving_institution": wx.pk})
    accept(login("wx-dual"), returned_transfer)
    timeline = page(login("province"), returned_transfer).split('id="timeline"', 1)[1]
    assert f"{SZ_JC}（sz-jc）" in timeline and f"{WX_DUAL}（wx-dual）" in timeline
    assert "南京华宁建材检测有限公司（nj-jc）" in timeline
    assert "南京市建设行政主管部门（nanjing）" in timeline and "苏州市建设行政主管部门（suzhou）" in timeline


def test_a_receiver_refused_at_filing_is_refused_at_resubmit_with_the_same_message(login, returned_transfer):
    own = Institution.objects.get(name=NJ_JC)
    filing = login("nj-jc").post(
        reverse("transfer_new"),
        {"person": Person.objects.get(name="孙丽").pk, "receiving_institution": own.pk,
         "termination": files.jpeg("t.jpg")},
    )  # fmt: skip
    assert filing.status_code == 400
    message = "选择一个有效的选项"
    assert message in filing.content.decode()
    before = unchanged(returned_transfer)
    response = resubmit(login("nj-jc"), returned_transfer, {"receiving_institution": own.pk}, expect=400)
    assert message in response.content.decode()
    assert unchanged(returned_transfer) == before
    # Below the form, the action applies check_filing's own rule and message, and keeps nothing.
    with pytest.raises(actions.FilingRefused, match="请选择本机构以外的调入机构。"):
        actions.resubmit(
            returned_transfer.pk,
            User.objects.get(username="nj-jc"),
            scans_by_type={},
            changes={"receiving_institution": own},
        )
    assert unchanged(returned_transfer) == before


def test_a_receiver_that_may_no_longer_receive_is_refused_at_resubmit(login, returned_transfer):
    sz = Institution.objects.get(name=SZ_JC)
    Institution.objects.filter(pk=sz.pk).update(status=Institution.Status.SUSPENDED)  # 筹建 may receive
    before = unchanged(returned_transfer)
    with pytest.raises(actions.FilingRefused, match=f"{SZ_JC}当前不能接收人员"):
        actions.resubmit(returned_transfer.pk, User.objects.get(username="nj-jc"), scans_by_type={})
    assert unchanged(returned_transfer) == before


def test_earlier_approvals_never_count_after_resubmission(login, returned_transfer):
    assert Decision.objects.filter(application=returned_transfer, outcome="approve").count() == 1
    resubmit(login("nj-jc"), returned_transfer, {})
    application = fresh(returned_transfer)
    assert application.state == State.PENDING_CITY and application.round == 2
    decide(login("suzhou"), application)
    assert fresh(application).state == State.PENDING_CITY, "南京's first-round 同意 does not count"
    assert "王强" in login("nanjing").get(reverse("review_queue", args=["jc", "transfer"])).content.decode()
    decide(login("province"), application, expect=409)
    decide(login("nanjing"), application)
    assert fresh(application).state == State.PENDING_PROVINCE


def test_a_province_return_restarts_at_the_cities(login, returned_transfer):
    resubmit(login("nj-jc"), returned_transfer, {})
    decide(login("nanjing"), returned_transfer)
    decide(login("suzhou"), returned_transfer)
    decide(login("province"), returned_transfer, "return", "社保缴费清单不清晰")
    resubmit(login("nj-jc"), returned_transfer, {})
    application = fresh(returned_transfer)
    assert (application.state, application.round) == (State.PENDING_CITY, 3)
    decide(login("province"), application, expect=409)


def test_a_reissue_is_corrected_in_its_reason_and_a_scan(login):
    reissue = file_reissue(login("nj-jc"), ["苏JC-2018-00231"], reason="证书遗失")
    decide(login("nanjing"), reissue, "return", "补证原因不具体；登报声明未盖章。")
    html = page(login("nj-jc"), reissue)
    assert "补证原因不具体" in html and "证书遗失</textarea>" in html
    resubmit(
        login("nj-jc"),
        reissue,
        {"reason": "2026年3月出差途中遗失", "newspaper_notice": files.jpeg("盖章.jpg")},
    )
    reissue = ReissueRequest.objects.get(pk=reissue.pk)
    assert reissue.reason == "2026年3月出差途中遗失" and reissue.state == State.PENDING_CITY
    assert reissue.attachments.current().get(type="newspaper_notice").original_name == "盖章.jpg"
    html = page(login("nanjing"), reissue)
    assert "2026年3月出差途中遗失" in html and "登报声明.jpg" in html, "the earlier scan stays visible"


def test_a_cancellation_is_corrected_in_its_reason_and_the_holders_consent(login):
    cancellation = file_cancellation(login("sz-jc"), ["苏JC-2021-00056"], agrees="yes")
    decide(login("suzhou"), cancellation, "return", "本人意见有误")
    html = page(login("sz-jc"), cancellation)
    assert 'value="yes" required id="id_holder_agrees_0" checked' in html
    resubmit(login("sz-jc"), cancellation, {"reason": "本人已退休", "holder_agrees": "no"})
    cancellation = CancellationRequest.objects.get(pk=cancellation.pk)
    assert (cancellation.reason, cancellation.holder_agrees) == ("本人已退休", False)
    html = page(login("suzhou"), cancellation)
    assert "本人已退休" in html


def test_a_new_person_filing_is_corrected_in_every_field(login):
    response = file_new_person(login("nj-jc"))
    filing = PersonnelFiling.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    decide(login("nanjing"), filing, "return", "姓名与身份证不符；电话有误。")
    html = page(login("nj-jc"), filing)
    assert 'value="周敏"' in html and 'value="13900000000"' in html
    data = {"name": "周敏敏", "id_number": "320104199003070028", "education": "博士", "title": "高级工程师",
            "phone": "13911111111", "id_card": [files.jpeg("身份证新.jpg")]}  # fmt: skip
    resubmit(login("nj-jc"), filing, data)
    filing = PersonnelFiling.objects.get(pk=filing.pk)
    assert (filing.name, filing.education, filing.phone, filing.subject_name) == (
        "周敏敏", "博士", "13911111111", "周敏敏",
    )  # fmt: skip
    assert filing.attachments.current().filter(type="id_card").count() == 1
    assert filing.attachments.filter(type="id_card", superseded_in_round=2).count() == 2


def test_a_corrected_id_number_on_file_is_refused_with_the_filing_message(login):
    response = file_new_person(login("nj-jc"))
    filing = PersonnelFiling.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    decide(login("nanjing"), filing, "return", "身份证号有误")
    before = unchanged(filing)
    chen = Person.objects.get(name="陈静")
    data = {"name": "周敏", "id_number": chen.id_number, "gender": "", "birth_date": "", "phone": "1"}
    response = resubmit(login("nj-jc"), filing, data, expect=400)
    assert "该身份证号已在其他机构备案，调入人员请由原机构办理人员变更调离。" in response.content.decode()
    assert unchanged(filing) == before


def test_correcting_id_numbers_counts_towards_the_probing_limit(login):
    from audit.models import AuditEvent
    from reviews.views.common import CLASH_LIMIT

    response = file_new_person(login("nj-jc"))
    filing = PersonnelFiling.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    decide(login("nanjing"), filing, "return", "身份证号有误")
    client = login("nj-jc")
    chen = Person.objects.get(name="陈静")
    data = {"name": "周敏", "id_number": chen.id_number, "gender": "", "birth_date": ""}
    for _ in range(CLASH_LIMIT):
        assert "该身份证号已在其他机构备案" in resubmit(client, filing, data, expect=400).content.decode()
    page = resubmit(client, filing, data, expect=429).content.decode()
    assert "核对身份证号的次数过多" in page and "该身份证号已在其他机构备案" not in page
    assert AuditEvent.objects.filter(kind="id_number_probed").count() == CLASH_LIMIT
    assert fresh(filing).state == State.RETURNED


def test_an_institution_filing_is_corrected(login):
    client = login("nj-jc")
    response = client.get(reverse("institution_filing", args=["jc"]))
    form = response.context["form"]
    data = {name: form.initial.get(name) or "" for name in InstitutionFiling.INFO_FIELDS}
    data["contact_phone"] = "025-1234567"
    q = form.qualification
    data.update(
        qualification_number=q.number, valid_from=q.valid_from, valid_until=q.valid_until, scope=q.scope
    )
    response = client.post(reverse("institution_filing", args=["jc"]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    filing = InstitutionFiling.objects.get()
    decide(login("nanjing"), filing, "return", "联系电话有误")
    resubmit(client, filing, {**data, "contact_phone": "025-7654321", "address": "南京市鼓楼区新址1号"})
    filing.refresh_from_db()
    assert (filing.contact_phone, filing.address, filing.state) == (
        "025-7654321",
        "南京市鼓楼区新址1号",
        "pending_city",
    )


# --- 2. withdrawal of a returned application; closed ones never block -------------------------------


def test_a_returned_application_can_be_withdrawn_and_a_new_one_filed(login, returned_transfer):
    html = page(login("nj-jc"), returned_transfer)
    assert reverse("application_withdraw", args=[returned_transfer.pk]) in html
    response = login("nj-jc").post(reverse("application_withdraw", args=[returned_transfer.pk]))
    assert response.status_code == 302
    assert fresh(returned_transfer).state == State.WITHDRAWN
    again = file_transfer(login("nj-jc"), "王强", WX_DUAL)
    assert again.state == State.PENDING_RECEIPT


def test_only_the_filer_withdraws_a_returned_application(login, returned_transfer):
    for account, status in (("sz-jc", 403), ("suzhou", 403), ("wuxi", 404)):
        response = login(account).post(reverse("application_withdraw", args=[returned_transfer.pk]))
        assert response.status_code == status, account
    assert fresh(returned_transfer).state == State.RETURNED


def test_a_refused_transfer_does_not_block_a_new_one(login):
    application = file_transfer(login("nj-jc"), "王强", SZ_JC)
    response = login("sz-jc").post(reverse("application_refuse", args=[application.pk]), {"reason": "不接收"})
    assert response.status_code == 302 and fresh(application).state == State.REFUSED
    assert file_transfer(login("nj-jc"), "王强", WX_DUAL).state == State.PENDING_RECEIPT


def test_a_withdrawn_reissue_does_not_block_a_cancellation(login):
    reissue = file_reissue(login("nj-jc"), ["苏JC-2018-00231"])
    decide(login("nanjing"), reissue, "return", "材料不全")
    # While returned it still blocks: the person has an open application.
    blocked = login("nj-jc").post(
        reverse("cancellation_new"),
        {"certificates": [ReissueRequest.objects.get(pk=reissue.pk).certificates.get().pk], "reason": "离职", "holder_agrees": "yes",
         "certificate_scan": [files.jpeg("证.jpg")]},
    )  # fmt: skip
    assert blocked.status_code == 400
    assert login("nj-jc").post(reverse("application_withdraw", args=[reissue.pk])).status_code == 302
    assert file_cancellation(login("nj-jc"), ["苏JC-2018-00231"]).state == State.PENDING_CITY


# --- 4. a transfer's return names whose part must change -------------------------------------------


def test_a_return_to_the_receiver_is_corrected_by_the_receiver_alone(login):
    application = file_transfer(login("nj-jc"), "王强", SZ_JC)
    accept(login("sz-jc"), application)
    html = page(login("suzhou"), application)
    assert 'name="party"' in html and "调入机构" in html
    termination = application.attachments.get(type="termination")
    contract = set(application.attachments.filter(type="labour_contract").values_list("pk", flat=True))
    old_social = application.attachments.get(type="social_security")
    response = login("suzhou").post(
        reverse("application_decide", args=[application.pk]),
        {"decision": "return", "opinion": "社保缴费清单未加盖公章", "party": "receiver"},
    )
    assert response.status_code == 302
    application = fresh(application)
    assert (application.state, application.returned_to) == (State.RETURNED, "receiver")
    assert Decision.objects.get(application=application).returned_to == "receiver"
    # The filer has nothing to correct; the receiver is asked (its to-dos list it, the filer's do not).
    waiting = Application.objects.waiting_for
    assert application in waiting(User.objects.get(username="sz-jc"))
    assert application not in waiting(User.objects.get(username="nj-jc"))
    assert 'id="resubmit-form"' not in page(login("nj-jc"), application)
    resubmit(login("nj-jc"), application, {}, expect=409)
    html = page(login("sz-jc"), application)
    assert 'id="receipt-form"' in html and "社保缴费清单未加盖公章" in html
    response = login("sz-jc").post(
        reverse("application_correct_receipt", args=[application.pk]),
        {"social_security": [files.pdf("社保盖章.pdf")]},
    )
    assert response.status_code == 302
    application = fresh(application)
    assert (application.state, application.round, application.returned_to) == (State.PENDING_CITY, 2, "")
    current = application.attachments.current()
    assert current.get(type="termination").pk == termination.pk, "the filer's scan stays"
    assert set(current.filter(type="labour_contract").values_list("pk", flat=True)) == contract
    assert current.get(type="social_security").original_name == "社保盖章.pdf"
    old_social.refresh_from_db()
    assert old_social.superseded_in_round == 2
    # Review restarts: both cities again.
    decide(login("suzhou"), application)
    assert fresh(application).state == State.PENDING_CITY
    decide(login("nanjing"), application)
    assert fresh(application).state == State.PENDING_PROVINCE
    assert "社保盖章.pdf" in page(login("province"), application)


def test_a_return_to_the_filer_leaves_the_receivers_scans_attached(login, returned_transfer):
    contract = set(returned_transfer.attachments.filter(type="labour_contract").values_list("pk", flat=True))
    assert fresh(returned_transfer).returned_to == "filer"
    assert 'id="receipt-form"' not in page(login("sz-jc"), returned_transfer)
    resubmit(login("nj-jc"), returned_transfer, {"termination": files.png("盖章版.png")})
    application = fresh(returned_transfer)
    assert application.state == State.PENDING_CITY, "the receiver need not accept again"
    current = set(
        application.attachments.current().filter(type="labour_contract").values_list("pk", flat=True)
    )
    assert current == contract


def test_the_receiver_may_not_correct_a_return_to_the_filer(login, returned_transfer):
    response = login("sz-jc").post(
        reverse("application_correct_receipt", args=[returned_transfer.pk]),
        {"social_security": [files.pdf("社保.pdf")]},
    )
    assert response.status_code == 409
    assert fresh(returned_transfer).state == State.RETURNED


# --- 5. reviewers -----------------------------------------------------------------------------------


def test_an_approval_without_an_opinion_is_refused(login):
    application = file_transfer(login("nj-jc"), "王强", SZ_JC)
    accept(login("sz-jc"), application)
    before = len(history(application))
    response = decide(login("nanjing"), application, "approve", "  ", expect=400)
    assert "请签署审核意见" in response.content.decode()
    assert len(history(application)) == before and not Decision.objects.exists()
    with pytest.raises(ValueError):
        actions.decide(application.pk, User.objects.get(username="nanjing"), "approve", "")
    assert not Decision.objects.exists()
    decide(login("nanjing"), application, "approve", "同意。")
    assert Decision.objects.get().opinion == "同意。"


def test_the_decision_buttons_ask_first_and_offer_a_one_click_opinion(login):
    application = file_transfer(login("nj-jc"), "王强", SZ_JC)
    html = page(login("sz-jc"), application)
    assert 'data-confirm="确定拒收该人员？">拒收</button>' in html
    accept(login("sz-jc"), application)
    html = page(login("nanjing"), application)
    assert 'value="approve" data-confirm="确定同意该申请？">同意</button>' in html
    assert 'value="return" data-confirm="确定退回该申请？">退回</button>' in html
    assert 'data-fill="id_opinion" data-fill-text="同意。"' in html


@pytest.mark.parametrize(
    ("process", "verb"), [("transfer", "审批"), ("reissue", "审批"), ("cancellation", "审核")]
)
def test_the_queue_link_uses_the_guides_verb(login, process, verb):
    if process == "transfer":
        application = file_transfer(login("nj-jc"), "王强", SZ_JC)
        accept(login("sz-jc"), application)
    elif process == "reissue":
        application = file_reissue(login("nj-jc"), ["苏JC-2018-00231"])
    else:
        application = file_cancellation(login("nj-jc"), ["苏JC-2018-00231"])
    html = login("nanjing").get(reverse("review_queue", args=["jc", process])).content.decode()
    link = f'<a href="{reverse("application_detail", args=[application.pk])}">{verb}</a>'
    assert link in html


# --- 3. a duplicate 人员备案 never gives the province a 500 -------------------------------------------


def test_approving_a_duplicate_new_person_is_refused_with_a_message(login):
    response = file_new_person(login("nj-jc"))
    first = PersonnelFiling.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    # A duplicate saved before filings were serialised (a copy of the first, below every check).
    duplicate = PersonnelFiling.objects.get(pk=first.pk)
    duplicate.pk = duplicate.id = duplicate.application_ptr_id = None
    duplicate._state.adding = True
    duplicate.save()
    duplicate.cities.set(first.cities.all())
    for application in (first, duplicate):
        decide(login("nanjing"), application)
    decide(login("province"), first)
    assert fresh(first).state == State.APPROVED
    response = decide(login("province"), duplicate, expect=400)
    assert "该身份证号已有人员档案" in response.content.decode()
    assert fresh(duplicate).state == State.PENDING_PROVINCE
    assert Person.objects.filter(id_number=first.id_number).count() == 1
    # Not stuck: the province returns it and the filer withdraws it.
    decide(login("province"), duplicate, "return", "重复备案，请撤回。")
    assert login("nj-jc").post(reverse("application_withdraw", args=[duplicate.pk])).status_code == 302
    assert fresh(duplicate).state == State.WITHDRAWN
