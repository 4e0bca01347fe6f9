"""The review machine through HTTP: cities, province, returns, resubmission, withdrawal, refusal."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django_fsm_log.models import StateLog

from certificates.models import CertificateStatus
from institutions.models import Institution, User
from personnel.models import Person
from reviews.actions import ApplicationConflict
from reviews.models import Application, Decision, State

from .workflow import accept, certificate, decide, file_transfer

pytestmark = pytest.mark.django_db


def history(application):
    ct = ContentType.objects.get_for_model(Application)
    return list(StateLog.objects.filter(content_type=ct, object_id=application.pk).order_by("pk"))


def state_of(application):
    application.refresh_from_db()
    return application.state


@pytest.fixture
def wang_qiang(login):
    """王强's transfer, 南京华宁建材 → 苏州建科建材, accepted: waiting for 南京 and 苏州."""
    application = file_transfer(login("nj-jc"), "王强", "苏州建科建材检测有限公司")
    accept(login("sz-jc"), application)
    return application


def test_it_files_a_transfer_waiting_for_receipt(login):
    application = file_transfer(login("nj-jc"), "王强", "苏州建科建材检测有限公司")
    assert application.state == State.PENDING_RECEIPT
    assert sorted(application.cities.values_list("name", flat=True)) == ["南京市", "苏州市"]
    assert application.attachments.get().get_type_display() == "解除劳动关系证明"
    incoming = login("sz-jc").get(reverse("transfer_list")).content.decode()
    assert "王强" in incoming and "待接收" in incoming
    assert [log.transition for log in history(application)] == ["submit"]


def test_it_waits_for_both_cities(login, wang_qiang):
    decide(login("nanjing"), wang_qiang)
    assert state_of(wang_qiang) == State.PENDING_CITY
    assert (
        "王强" not in login("province").get(reverse("review_queue", args=["jc", "transfer"])).content.decode()
    )
    assert "王强" in login("suzhou").get(reverse("review_queue", args=["jc", "transfer"])).content.decode()
    assert (
        "王强" not in login("nanjing").get(reverse("review_queue", args=["jc", "transfer"])).content.decode()
    )
    decide(login("suzhou"), wang_qiang)
    assert state_of(wang_qiang) == State.PENDING_PROVINCE
    assert "王强" in login("province").get(reverse("review_queue", args=["jc", "transfer"])).content.decode()


def test_it_needs_one_review_when_both_institutions_are_in_one_city(login):
    application = file_transfer(login("nj-dual"), "孙丽", "南京华宁建材检测有限公司")
    accept(login("nj-jc"), application)
    assert list(application.cities.values_list("name", flat=True)) == ["南京市"]
    decide(login("nanjing"), application)
    assert state_of(application) == State.PENDING_PROVINCE
    decide(login("province"), application)
    assert state_of(application) == State.APPROVED
    assert certificate("苏JC-2023-00005").institution.name == "南京华宁建材检测有限公司"


def test_it_returns_on_one_city_and_restarts_review_after_resubmission(login, wang_qiang):
    decide(login("nanjing"), wang_qiang)
    decide(login("suzhou"), wang_qiang, "return", "社保缴费清单未盖章，请补充。")
    assert state_of(wang_qiang) == State.RETURNED
    page = login("nj-jc").get(reverse("application_detail", args=[wang_qiang.pk])).content.decode()
    assert "社保缴费清单未盖章，请补充。" in page and "重新提交" in page

    response = login("nj-jc").post(reverse("application_resubmit", args=[wang_qiang.pk]), {})
    assert response.status_code == 302
    # The receiver accepted and is still the receiver: it is not asked again, its scans stay attached.
    assert state_of(wang_qiang) == State.PENDING_CITY
    assert wang_qiang.round == 2
    assert wang_qiang.attachments.current().filter(type="labour_contract").count() == 3
    decide(login("nanjing"), wang_qiang)
    assert state_of(wang_qiang) == State.PENDING_CITY, "a first-round approval must not count again"
    decide(login("suzhou"), wang_qiang)
    assert state_of(wang_qiang) == State.PENDING_PROVINCE


def test_it_replaces_the_filers_scan_on_resubmission(login, wang_qiang):
    from . import files

    decide(login("nanjing"), wang_qiang, "return", "解除劳动关系证明未盖章。")
    old = wang_qiang.attachments.get(type="termination")
    response = login("nj-jc").post(
        reverse("application_resubmit", args=[wang_qiang.pk]), {"termination": files.png("盖章版.png")}
    )
    assert response.status_code == 302
    new = wang_qiang.attachments.current().get(type="termination")
    assert new.pk != old.pk and new.original_name == "盖章版.png"
    old.refresh_from_db()
    assert old.superseded_in_round == 2, "kept, marked as replaced by the second round"


def test_it_returns_from_the_province(login, wang_qiang):
    decide(login("nanjing"), wang_qiang)
    decide(login("suzhou"), wang_qiang)
    decide(login("province"), wang_qiang, "return", "劳动合同页码不全。")
    assert state_of(wang_qiang) == State.RETURNED
    assert certificate("苏JC-2018-00231").status == CertificateStatus.NORMAL
    assert Person.objects.get(name="王强").institution.name == "南京华宁建材检测有限公司"


def test_it_requires_an_opinion_to_return(login, wang_qiang):
    before = len(history(wang_qiang))
    response = decide(login("nanjing"), wang_qiang, "return", "  ", expect=400)
    assert "退回时必须填写审核意见" in response.content.decode()
    assert state_of(wang_qiang) == State.PENDING_CITY
    assert len(history(wang_qiang)) == before


def test_it_lets_the_filer_withdraw_before_any_decision(login):
    application = file_transfer(login("nj-jc"), "王强", "苏州建科建材检测有限公司")
    response = login("nj-jc").post(reverse("application_withdraw", args=[application.pk]))
    assert response.status_code == 302
    assert state_of(application) == State.WITHDRAWN
    again = file_transfer(login("nj-jc"), "王强", "苏州建科建材检测有限公司")
    assert again.state == State.PENDING_RECEIPT


def test_it_refuses_withdrawal_after_a_city_approved(login, wang_qiang):
    decide(login("nanjing"), wang_qiang)
    before = len(history(wang_qiang))
    response = login("nj-jc").post(reverse("application_withdraw", args=[wang_qiang.pk]))
    assert response.status_code == 409
    assert "已被处理" in response.content.decode()
    assert state_of(wang_qiang) == State.PENDING_CITY
    assert len(history(wang_qiang)) == before


def test_it_lets_the_receiver_refuse_with_a_reason(login):
    application = file_transfer(login("nj-jc"), "王强", "苏州建科建材检测有限公司")
    response = login("sz-jc").post(
        reverse("application_refuse", args=[application.pk]), {"reason": "本单位未录用该人员。"}
    )
    assert response.status_code == 302
    assert state_of(application) == State.REFUSED
    assert history(application)[-1].description == "本单位未录用该人员。"
    page = login("nj-jc").get(reverse("application_detail", args=[application.pk])).content.decode()
    assert "已拒收" in page and "本单位未录用该人员。" in page


def test_it_forbids_institutions_to_decide(login, wang_qiang):
    for account in ("nj-jc", "sz-jc"):
        assert decide(login(account), wang_qiang, expect=403)
    assert state_of(wang_qiang) == State.PENDING_CITY
    assert not Decision.objects.filter(outcome="approve").exists()


def test_it_forbids_the_filer_to_accept_its_own_transfer(login):
    application = file_transfer(login("nj-jc"), "王强", "苏州建科建材检测有限公司")
    accept(login("nj-jc"), application, expect=403)
    assert state_of(application) == State.PENDING_RECEIPT


def test_it_hides_the_request_from_a_third_city_and_an_unrelated_institution(login, wang_qiang):
    for account in ("wuxi", "nj-dual", "sz-dj"):
        client = login(account)
        assert client.get(reverse("application_detail", args=[wang_qiang.pk])).status_code == 404
        assert decide(client, wang_qiang, expect=404)
    assert state_of(wang_qiang) == State.PENDING_CITY


def test_it_counts_a_city_approval_once(login, wang_qiang):
    nanjing = login("nanjing")
    decide(nanjing, wang_qiang)
    response = decide(nanjing, wang_qiang, expect=409)
    assert "已被处理" in response.content.decode()
    assert Decision.objects.filter(application=wang_qiang, outcome="approve").count() == 1
    assert [log.transition for log in history(wang_qiang)].count("approve_city") == 1


def test_it_refuses_a_province_decision_at_the_city_step(login, wang_qiang):
    before = len(history(wang_qiang))
    decide(login("province"), wang_qiang, expect=409)
    assert state_of(wang_qiang) == State.PENDING_CITY
    assert len(history(wang_qiang)) == before


def test_it_refuses_a_decision_on_an_approved_request(login, wang_qiang):
    for account in ("nanjing", "suzhou", "province"):
        decide(login(account), wang_qiang)
    before = len(history(wang_qiang))
    decide(login("province"), wang_qiang, expect=409)
    decide(login("nanjing"), wang_qiang, "return", "再看看", expect=409)
    assert state_of(wang_qiang) == State.APPROVED
    assert len(history(wang_qiang)) == before


@pytest.mark.parametrize(
    "name",
    [
        "application_decide",
        "application_withdraw",
        "application_accept",
        "application_refuse",
        "application_resubmit",
    ],
)
def test_it_answers_get_on_actions_with_405(login, wang_qiang, name):
    assert login("province").get(reverse(name, args=[wang_qiang.pk])).status_code == 405


def test_it_refuses_a_second_open_request_for_the_same_person(login):
    file_transfer(login("nj-jc"), "王强", "苏州建科建材检测有限公司")
    from certificates.transfer import file_transfer as action

    user = User.objects.get(username="nj-jc")
    with pytest.raises(ApplicationConflict):
        action(
            user,
            Person.objects.get(name="王强"),
            Institution.objects.get(name="无锡市建设工程质量检测中心"),
            {},
        )
    assert Application.objects.count() == 1
    form = login("nj-jc").get(reverse("transfer_new")).content.decode()
    assert "王强" not in form, "a person with an open request is not offered again"


def test_it_shows_the_timeline_with_opinions_to_everyone_involved(login, wang_qiang):
    decide(login("nanjing"), wang_qiang, opinion="南京原件已核对")
    for account in ("nj-jc", "sz-jc", "nanjing", "suzhou", "province"):
        page = login(account).get(reverse("application_detail", args=[wang_qiang.pk])).content.decode()
        assert "南京原件已核对" in page, account
        assert "调入机构已接收" in page, account


def test_it_shows_predicted_then_actual_certificate_changes(login):
    application = file_transfer(login("wx-dual"), "陈静", "苏州建科建材检测有限公司")
    page = login("wx-dual").get(reverse("application_detail", args=[application.pk])).content.decode()
    assert "证书变化（预计）" in page and "调离" in page and "无信用档案" in page
    accept(login("sz-jc"), application)
    for account in ("wuxi", "suzhou", "province"):
        decide(login(account), application)
    page = login("sz-jc").get(reverse("application_detail", args=[application.pk])).content.decode()
    assert "证书变化（已生效）" in page


def test_it_renders_the_request_page_in_a_constant_number_of_queries(login):
    """Three contract pages or twelve: the viewer, timeline and summary cost the same queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from . import files

    three = file_transfer(login("nj-jc"), "王强", "苏州建科建材检测有限公司")
    accept(login("sz-jc"), three)
    twelve = file_transfer(login("sz-jc"), "刘洋", "无锡市建设工程质量检测中心")
    response = login("wx-dual").post(
        reverse("application_accept", args=[twelve.pk]),
        {
            "labour_contract": [files.jpeg(f"{n}.jpg") for n in range(1, 13)],
            "social_security": [files.pdf()],
            "certificate_scan": [files.png()],
        },
    )
    assert response.status_code == 302
    province = login("province")

    def queries(application):
        province.get(reverse("application_detail", args=[application.pk]))  # warm the cached menu
        with CaptureQueriesContext(connection) as ctx:
            assert province.get(reverse("application_detail", args=[application.pk])).status_code == 200
        return len(ctx.captured_queries)

    assert twelve.attachments.filter(type="labour_contract").count() == 12
    assert queries(three) == queries(twelve)


def test_it_names_each_decisions_reviewer_from_the_history_without_a_query_each(login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    application = file_transfer(login("nj-jc"), "王强", "苏州建科建材检测有限公司")
    accept(login("sz-jc"), application)
    decide(login("nanjing"), application)
    decide(login("suzhou"), application, "return", "请补充社保缴费清单。")
    province = login("province")
    url = reverse("application_detail", args=[application.pk])
    province.get(url)  # the menu and counts are kept after the first page
    with CaptureQueriesContext(connection) as ctx:
        page = province.get(url).content.decode()
    assert "南京市建设行政主管部门（nanjing）" in page and "苏州市建设行政主管部门（suzhou）" in page
    users = [q["sql"] for q in ctx.captured_queries if 'FROM "institutions_user"' in q["sql"]]
    assert len(users) == 1, "the login's own user only"
