"""消息: each event reaches exactly the logins of the organisations it concerns, once; each login reads
its own copy; the list, the header badge, the e-mail digest and the SMS gateway."""

import re
import threading
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from certificates.models import PrintTask
from institutions.models import City, Institution, Qualification, User
from notices import expiry
from notices.actions import PROVINCE, Message, notify, notify_many
from notices.models import Kind, Notice, Recipient

from . import files, workflow

NJ_JC = "南京华宁建材检测有限公司"
SZ_JC = "苏州建科建材检测有限公司"


def _add_login(username, **scope) -> User:
    role = User.Role.INSTITUTION if "institution" in scope else User.Role.CITY
    return User.objects.create_user(username=username, password="x", role=role, **scope)


@pytest.fixture
def world(login):
    """The demo data, with a second login at 苏州建科建材 and at 南京 (a message reaches every login of
    the organisation) and a disabled login at 苏州建科建材 (it gets nothing)."""
    _add_login("sz-jc-2", institution=Institution.objects.get(name=SZ_JC))
    _add_login("nanjing-2", city=City.objects.get(name="南京市"))
    gone = _add_login("sz-jc-gone", institution=Institution.objects.get(name=SZ_JC))
    gone.is_active = False
    gone.save()
    return login


@pytest.fixture
def act(django_capture_on_commit_callbacks):
    """Run one step through HTTP with its on-commit work (the messages) done, as after a real commit."""

    def _act(step, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return step(*args, **kwargs)

    return _act


def told(kind=None, since=0) -> dict[str, list[str]]:
    """{username: [texts]} of the copies written after notice ``since``, optionally of one kind."""
    copies = Recipient.objects.filter(notice_id__gt=since).select_related("notice", "user").order_by("pk")
    if kind:
        copies = copies.filter(notice__kind=kind)
    found: dict[str, list[str]] = {}
    for copy in copies:
        found.setdefault(copy.user.username, []).append(copy.notice.text)
    return found


def decide_return(client, application, opinion, party=""):
    data = {"decision": "return", "opinion": opinion, **({"party": party} if party else {})}
    response = client.post(reverse("application_decide", args=[application.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]


def correct_receipt(client, application):
    response = client.post(
        reverse("application_correct_receipt", args=[application.pk]),
        {"social_security": [files.pdf("社保盖章.pdf")]},
    )
    assert response.status_code == 302, response.content.decode()[:2000]


def last_notice() -> int:
    return Notice.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


# --- each event reaches exactly the right logins ----------------------------------------------------------


def test_a_transfer_tells_each_party_in_turn_and_nobody_else(world, act):
    mark = last_notice()
    transfer = act(workflow.file_transfer, world("nj-jc"), "王强", SZ_JC)
    arrived = told(since=mark)
    assert arrived.keys() == {"sz-jc", "sz-jc-2"}, "the receiver's logins, not the disabled one"
    assert arrived["sz-jc"] == [f"人员变更调离：王强（{NJ_JC}）待接收。"]

    mark = last_notice()
    act(workflow.accept, world("sz-jc"), transfer)
    assert told(since=mark).keys() == {"nanjing", "nanjing-2", "suzhou"}
    assert told(since=mark)["suzhou"] == [f"人员变更调离：王强（{NJ_JC}）待市级审核。"]

    mark = last_notice()
    act(workflow.decide, world("nanjing"), transfer)
    assert told(since=mark) == {}, "苏州 has yet to decide: nobody new to tell"
    act(workflow.decide, world("suzhou"), transfer)
    assert told(since=mark) == {"province": [f"人员变更调离：王强（{NJ_JC}）待省级复核。"]}

    mark = last_notice()
    act(decide_return, world("province"), transfer, "劳动合同缺少签字页", party="receiver")
    assert told(since=mark) == {
        login: [
            f"人员变更调离：王强（{NJ_JC}）被省级复核退回，请修改后重新提交。审核意见：劳动合同缺少签字页"
        ]
        for login in ("sz-jc", "sz-jc-2")
    }, "the party named to correct it (调入机构), with the opinion"

    mark = last_notice()
    act(correct_receipt, world("sz-jc"), transfer)
    assert told(Kind.ARRIVED, since=mark).keys() == {"nanjing", "nanjing-2", "suzhou"}, "a new round"

    mark = last_notice()
    for reviewer in ("nanjing", "suzhou", "province"):
        act(workflow.decide, world(reviewer), transfer)
    approved = told(Kind.APPROVED, since=mark)
    assert approved.keys() == {"nj-jc", "sz-jc", "sz-jc-2"}, "the filer and the receiver"
    assert approved["nj-jc"] == [f"人员变更调离：王强（{NJ_JC}）已通过省级复核。"]
    everyone = told(since=mark)
    assert everyone.keys() == {"province", "nj-jc", "sz-jc", "sz-jc-2"}
    assert all(Notice.objects.filter(url=f"/applications/{transfer.pk}/").values_list("url", flat=True))


def test_a_return_to_the_filer_tells_the_filer_only(world, act):
    reissue = act(workflow.file_reissue, world("nj-dual"), ["苏JC-2019-00012"])
    assert told(Kind.ARRIVED) == {
        "nanjing": ["人员上岗证补办：张伟（南京市建设工程质量检测中心）待市级审核。"],
        "nanjing-2": ["人员上岗证补办：张伟（南京市建设工程质量检测中心）待市级审核。"],
    }
    mark = last_notice()
    act(decide_return, world("nanjing"), reissue, "登报声明不清晰")
    assert told(since=mark) == {
        "nj-dual": [
            "人员上岗证补办：张伟（南京市建设工程质量检测中心）被市级审核（南京市）退回，请修改后重新提交。审核意见：登报声明不清晰"
        ]
    }


def test_a_rolled_back_action_tells_nobody(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        workflow.file_transfer(world("nj-jc"), "王强", SZ_JC)
    assert callbacks, "the messages wait for the commit"
    assert not Notice.objects.exists()
    with django_capture_on_commit_callbacks(execute=False) as refused:
        # Refused (刘洋 is not at 南京华宁): the action rolls back and schedules nothing.
        workflow.file_transfer(world("nj-jc"), "刘洋", SZ_JC, expect=400)
    assert refused == []
    for callback in callbacks:
        callback()
    assert told().keys() == {"sz-jc", "sz-jc-2"}


def test_a_certificate_sent_to_the_city_tells_its_institution_to_collect_it(world, act):
    act(
        workflow.walk_transfer,
        world,
        "刘洋",
        "sz-jc",
        "wx-dual",
        "无锡市建设工程质量检测中心",
        ["suzhou", "wuxi"],
    )
    task = PrintTask.objects.get(certificate__number="苏JC-2021-00056", state="pending")
    province = world("province")
    act(province.post, reverse("print_mark_printed"), {"ids": [task.pk]})
    mark = last_notice()
    sent = act(
        province.post, reverse("print_send"), {"city": task.destination_city_id, "tracking_number": "EMS1"}
    )
    assert sent.status_code == 302
    assert told(since=mark) == {
        "wx-dual": [
            "刘洋的建材岗位合格证书（苏JC-2021-00056，第1版）已寄往无锡市建设行政主管部门，请前往领取。"
        ]
    }
    assert Notice.objects.get(kind=Kind.COLLECT).url == reverse(
        "application_detail", args=[task.application_id]
    )


def test_an_approved_cancellation_tells_the_institution_to_mail_the_paper_back(world, act, settings):
    settings.PROVINCE_MAIL_ADDRESS = "南京市鼓楼区草场门大街88号"
    cancellation = act(workflow.file_cancellation, world("sz-dj"), ["苏DJ-2022-00078"])
    mark = last_notice()
    act(workflow.approve_everywhere, world, cancellation, ["suzhou"])
    assert told(Kind.RECOVER, since=mark) == {
        "sz-dj": [
            "杨帆的地基岗位合格证书（苏DJ-2022-00078）已注销，请立即将证书寄回省质监总站（南京市鼓楼区草场门大街88号）。"
        ]
    }
    assert told(Kind.APPROVED, since=mark).keys() == {"sz-dj"}


def test_the_provinces_own_cancellation_tells_the_institution_to_mail_the_paper_back(world, act):
    from .test_revocation import revoke

    act(revoke, world("province"), "苏JC-2018-00231")
    found = told()
    assert found.keys() == {"nj-jc"}
    assert found["nj-jc"][0].startswith(
        "王强的建材岗位合格证书（苏JC-2018-00231）已注销，请立即将证书寄回省质监总站"
    )
    assert Notice.objects.get().kind == Kind.RECOVER


# --- once, not twice --------------------------------------------------------------------------------


def test_an_event_is_messaged_once_not_twice(world, act):
    institution = Institution.objects.get(name=SZ_JC)
    for _ in range(2):
        act(notify, [institution, institution], Kind.DEADLINE, "办理时限将到", "/", once_key="deadline:1")
    assert Notice.objects.count() == 1
    assert Recipient.objects.count() == 2, "one copy per active login: sz-jc and sz-jc-2"
    act(notify, [institution], Kind.DEADLINE, "办理时限将到", "/", once_key="deadline:2")
    act(notify, [institution], Kind.DEADLINE, "没有事件标识的消息", "/")
    act(notify, [institution], Kind.DEADLINE, "没有事件标识的消息", "/")
    assert Notice.objects.count() == 4, "another event, and messages without once_key, are each new"


def test_a_sweeps_many_messages_are_each_told_once(world, act):
    institution = Institution.objects.get(name=SZ_JC)
    nanjing = City.objects.get(name="南京市")
    act(notify, [institution], Kind.DEADLINE, "已告知", "/", once_key="deadline:a")
    many = [
        Message((institution,), Kind.DEADLINE, "已告知", "/", "deadline:a"),
        Message((institution, nanjing), Kind.DEADLINE, "新的", "/", "deadline:b"),
        Message((institution, institution), Kind.DEADLINE, "新的", "/", "deadline:b"),
    ]
    for _ in range(2):
        act(notify_many, many)
    assert told(Kind.DEADLINE) == {
        "sz-jc": ["已告知", "新的"],
        "sz-jc-2": ["已告知", "新的"],
        "nanjing": ["新的"],
        "nanjing-2": ["新的"],
    }, "every active login of each organisation, each event once; not the disabled login"
    with pytest.raises(ValueError):
        notify_many([Message((institution,), Kind.DEADLINE, "没有事件标识", "/", "")])


def test_the_expiry_sweep_tells_each_institution_once(world, act):
    today = timezone.localdate()
    soon = Qualification.objects.get(institution__name=SZ_JC, kind="JC")
    soon.valid_until = today + timedelta(days=30)
    soon.save()
    expired = Qualification.objects.get(institution__name="苏州岩土地基检测有限公司", kind="DJ")
    expired.valid_until = today - timedelta(days=1)
    expired.save()
    far = Qualification.objects.get(institution__name=NJ_JC, kind="JC")
    far.valid_until = today + timedelta(days=91)
    far.save()
    closed = Institution.objects.get(name="无锡市建设工程质量检测中心")
    Qualification.objects.filter(institution=closed).update(valid_until=today + timedelta(days=5))
    Institution.objects.filter(pk=closed.pk).update(status=Institution.Status.CANCELLED)

    for _ in range(2):
        act(call_command, "notify_expiring_qualifications", stdout=open("/dev/null", "w"))  # noqa: SIM115
    found = told(Kind.EXPIRING)
    assert found.keys() == {"sz-jc", "sz-jc-2", "sz-dj"}
    assert found["sz-jc"] == [
        f"建材资质（{soon.number}）将于 {soon.valid_until:%Y-%m-%d} 到期（还有 30 天），请及时办理延续。"
    ]
    assert found["sz-dj"] == [
        f"地基资质（{expired.number}）已于 {expired.valid_until:%Y-%m-%d} 过期，请及时办理延续。"
    ]

    soon.valid_until = today + timedelta(days=60)  # renewed, then about to expire again: a new warning
    soon.save()
    act(expiry.sweep)
    assert len(told(Kind.EXPIRING)["sz-jc"]) == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_servers_telling_the_same_event_at_once_make_one_message():
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    institution = Institution.objects.get(name=SZ_JC)
    barrier = threading.Barrier(2)
    errors = []

    def tell():
        try:
            barrier.wait()
            notify([institution], Kind.DEADLINE, "办理时限已过", "/", once_key="race")
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)
        finally:
            connection.close()

    threads = [threading.Thread(target=tell) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert Notice.objects.filter(once_key="race").count() == 1


# --- reading ----------------------------------------------------------------------------------------------


def _notices_for(institution_name, n, **fields):
    institution = Institution.objects.get(name=institution_name)
    for i in range(n):
        notify([institution], Kind.DEADLINE, f"消息{i}", fields.get("url", "/"), once_key=f"test:{i}")


def badge(client) -> str:
    page = client.get(reverse("home")).content.decode()
    found = re.search(r'id="notice-link">消息(?:<span class="unread-count"[^>]*>(\d+\+?)</span>)?</a>', page)
    assert found, "every logged-in page has 消息 in the header"
    return found.group(1) or "0"


def test_each_login_reads_its_own_copy(world, act):
    act(_notices_for, SZ_JC, 3, url=reverse("home"))
    me, colleague, other = world("sz-jc"), world("sz-jc-2"), world("nj-jc")
    assert badge(me) == badge(colleague) == "3"
    assert badge(other) == "0"
    first = Recipient.objects.filter(user__username="sz-jc").order_by("pk").first()
    opened = me.post(reverse("notice_open", args=[first.pk]))
    assert opened.status_code == 302 and opened["Location"] == reverse("home")
    assert badge(me) == "2"
    assert badge(colleague) == "3", "a colleague's reading changes nothing for me"
    assert other.post(reverse("notice_open", args=[first.pk])).status_code == 404
    assert colleague.post(reverse("notice_open", args=[first.pk])).status_code == 404
    done = me.post(reverse("notice_read_all"), follow=True)
    assert "已将 2 条消息标为已读。" in done.content.decode()
    assert badge(me) == "0" and badge(colleague) == "3"
    assert Recipient.objects.filter(user__username="sz-jc", unread=True).count() == 0


def test_a_copy_opens_only_for_its_own_login(world, act):
    act(_notices_for, SZ_JC, 1)
    copy = Recipient.objects.get(user__username="sz-jc")
    for user in User.objects.filter(is_active=True).exclude(username="sz-jc"):
        client = Client()
        client.force_login(user)
        assert client.post(reverse("notice_open", args=[copy.pk])).status_code == 404, user.username
    assert Recipient.objects.get(pk=copy.pk).unread
    assert world("sz-jc").post(reverse("notice_open", args=[copy.pk])).status_code == 302
    assert not Recipient.objects.get(pk=copy.pk).unread


def test_the_badge_stops_counting_at_99(world, act):
    act(_notices_for, SZ_JC, 99)
    assert badge(world("sz-jc")) == "99"
    act(notify, [Institution.objects.get(name=SZ_JC)], Kind.DEADLINE, "第一百条", "/")
    assert badge(world("sz-jc")) == "99+"


def test_opening_follows_only_an_internal_path(world, act):
    act(_notices_for, SZ_JC, 1)
    for url in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        Notice.objects.update(url=url)
        copy = Recipient.objects.get(user__username="sz-jc")
        response = world("sz-jc").post(reverse("notice_open", args=[copy.pk]))
        assert response["Location"] == reverse("notice_list"), url


def test_notify_refuses_an_outside_url(world):
    institution = Institution.objects.get(name=SZ_JC)
    for url in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        with pytest.raises(ValueError):
            notify([institution], Kind.DEADLINE, "x", url)


def test_the_list_shows_unread_first_and_filters(world, act):
    act(_notices_for, SZ_JC, 3)
    me = world("sz-jc")
    oldest = Recipient.objects.filter(user__username="sz-jc").order_by("pk").first()
    me.post(
        reverse(
            "notice_open", args=[Recipient.objects.filter(user__username="sz-jc").order_by("pk").last().pk]
        )
    )
    page = me.get(reverse("notice_list")).content.decode()
    texts = re.findall(r'class="link notice-open" type="submit">([^<]+)<', page)
    assert texts == ["消息1", "消息0", "消息2"], "unread first (newest first), then read"
    assert "全部标为已读" in page and "未读（2）" in page
    unread = me.get(reverse("notice_list"), {"show": "unread"}).content.decode()
    assert re.findall(r'class="link notice-open" type="submit">([^<]+)<', unread) == ["消息1", "消息0"]
    assert oldest.notice.text == "消息0"
    assert me.get(reverse("notice_list"), {"show": "nonsense"}).status_code == 400
    assert "没有消息。" in world("nj-jc").get(reverse("notice_list")).content.decode()


def test_the_list_pages_by_keyset_in_constant_queries(world, act):
    act(_notices_for, SZ_JC, 3)
    me = world("sz-jc")

    def queries(url):
        me.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert me.get(url).status_code == 200
        return len(ctx.captured_queries)

    few = queries(reverse("notice_list"))
    institution = Institution.objects.get(name=SZ_JC)
    for i in range(45):
        act(notify, [institution], Kind.DEADLINE, f"更多{i}", "/")
    assert queries(reverse("notice_list")) == few
    first = me.get(reverse("notice_list"))
    assert first.context["page"].next_query and len(first.context["page"]) == 20
    second = me.get(f"{reverse('notice_list')}?{first.context['page'].next_query}")
    seen = {c.pk for c in first.context["page"]} | {c.pk for c in second.context["page"]}
    assert len(seen) == 40
    assert queries(f"{reverse('notice_list')}?{first.context['page'].next_query}") == few


def test_the_header_count_is_one_query_kept_until_a_message_or_a_reading_commits(world, act):
    me, colleague = world("sz-jc"), world("sz-jc-2")

    def counted(client) -> tuple[list[str], str]:
        """The badge's count queries while drawing a page, and the badge."""
        with CaptureQueriesContext(connection) as ctx:
            client.get(reverse("help"))
        return [q["sql"] for q in ctx.captured_queries if "notices_recipient" in q["sql"]], badge(client)

    me.get(reverse("help"))
    assert counted(me) == ([], "0"), "kept: nothing changed since the last page"
    act(_notices_for, SZ_JC, 2)
    counts, shown = counted(me)
    assert len(counts) == 1 and "COUNT" in counts[0].upper() and shown == "2", "a new message shows at once"
    assert counted(me)[0] == []
    copy = Recipient.objects.filter(user__username="sz-jc").order_by("pk").first()
    me.post(reverse("notice_open", args=[copy.pk]))
    assert badge(me) == "1", "my reading shows at once"
    assert badge(colleague) == "2"
    me.post(reverse("notice_read_all"))
    assert badge(me) == "0" and badge(colleague) == "2"


def test_actions_are_post_only_and_need_a_role(world, act):
    act(_notices_for, SZ_JC, 1)
    copy = Recipient.objects.get(user__username="sz-jc")
    me = world("sz-jc")
    assert me.get(reverse("notice_open", args=[copy.pk])).status_code == 405
    assert me.get(reverse("notice_read_all")).status_code == 405
    assert Recipient.objects.get(pk=copy.pk).unread
    anonymous = Client().post(reverse("notice_open", args=[copy.pk]))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
    assert Recipient.objects.get(pk=copy.pk).unread


# --- e-mail and SMS ---------------------------------------------------------------------------------------


def test_an_organisation_sets_its_own_address(world):
    me = world("sz-jc")
    response = me.post(reverse("notice_email"), {"email": "office@szjk.example.cn"}, follow=True)
    assert "接收消息的电子邮箱已改为 office@szjk.example.cn。" in response.content.decode()
    assert Institution.objects.get(name=SZ_JC).email == "office@szjk.example.cn"
    assert AuditEvent.objects.filter(kind="account_changed", username="sz-jc").exists()
    refused = me.post(reverse("notice_email"), {"email": "not an address"}, follow=True)
    assert "电子邮箱格式不正确" in refused.content.decode()
    assert Institution.objects.get(name=SZ_JC).email == "office@szjk.example.cn"
    world("nanjing").post(reverse("notice_email"), {"email": "nj@js.example.cn"})
    assert City.objects.get(name="南京市").email == "nj@js.example.cn"
    assert world("province").post(reverse("notice_email"), {"email": "p@x.cn"}).status_code == 403


def _run_worker():
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def test_the_daily_digest_mails_each_message_once(world, act, settings):
    settings.EMAIL_HOST = "smtp.example.cn"
    settings.PROVINCE_EMAIL = "zhan@js.example.cn"
    Institution.objects.filter(name=SZ_JC).update(email="office@szjk.example.cn")
    act(_notices_for, SZ_JC, 2)
    act(_notices_for, NJ_JC, 1)  # no address: no mail
    act(notify, [PROVINCE], Kind.ARRIVED, "省级消息", "/")
    call_command("send_notice_digests", stdout=open("/dev/null", "w"))  # noqa: SIM115
    _run_worker()
    by_address = {m.to[0]: m for m in mail.outbox}
    assert by_address.keys() == {"office@szjk.example.cn", "zhan@js.example.cn"}
    body = by_address["office@szjk.example.cn"].body
    assert "您有 2 条新消息" in body and "消息0" in body and "消息1" in body and "省级消息" not in body
    mail.outbox.clear()
    call_command("send_notice_digests", stdout=open("/dev/null", "w"))  # noqa: SIM115
    _run_worker()
    assert mail.outbox == [], "each message is mailed at most once"
    assert (
        not Notice.objects.filter(organisation__startswith="institution", emailed_at__isnull=True)
        .exclude(organisation=f"institution:{Institution.objects.get(name=NJ_JC).pk}")
        .exists()
    )


def test_no_mail_without_a_mail_server(world, act, settings):
    settings.EMAIL_HOST = ""
    Institution.objects.filter(name=SZ_JC).update(email="office@szjk.example.cn")
    act(_notices_for, SZ_JC, 1)
    out = mock.MagicMock()
    call_command("send_notice_digests", stdout=out)
    _run_worker()
    assert mail.outbox == []
    assert Notice.objects.get().emailed_at is None


def test_a_failed_mail_is_kept_for_the_next_digest(world, act, settings):
    settings.EMAIL_HOST = "smtp.example.cn"
    Institution.objects.filter(name=SZ_JC).update(email="office@szjk.example.cn")
    act(_notices_for, SZ_JC, 1)
    from notices import digest

    with mock.patch("notices.digest.send_mail", side_effect=OSError("connection refused")):
        assert digest.send_all() == 0
    assert Notice.objects.get().emailed_at is None
    assert digest.send_all() == 1
    assert len(mail.outbox) == 1


class FakeGateway:
    sent: list = []

    def send(self, phone, text):
        if phone == "13900000000":
            raise OSError("gateway refused")
        FakeGateway.sent.append((phone, text))


def test_an_sms_gateway_gets_each_new_message_for_each_login_with_a_phone(world, act, settings):
    settings.SMS_GATEWAY = "tests.test_notices.FakeGateway"
    FakeGateway.sent = []
    User.objects.filter(username="sz-jc").update(phone="13800000000")
    User.objects.filter(username="sz-jc-2").update(phone="13900000000")  # the gateway refuses it
    institution = Institution.objects.get(name=SZ_JC)
    for _ in range(2):
        act(notify, [institution], Kind.DEADLINE, "办理时限已过", "/", once_key="sms")
    _run_worker()
    assert FakeGateway.sent == [("13800000000", "【江苏检测信用】办理时限已过")]


def test_no_sms_without_a_gateway(world, act, settings):
    settings.SMS_GATEWAY = ""
    act(_notices_for, SZ_JC, 1)
    from django_tasks_db.models import DBTaskResult

    assert not DBTaskResult.objects.exists()


# --- 信用记录: the institution concerned is told; the city that filed hears of its own record ------------


def test_a_citys_conduct_record_tells_the_city_of_its_review_and_the_institution_once_in_effect(world, act):
    mark = last_notice()
    credit_record = act(workflow.record_credit, world("nanjing"), institution=NJ_JC)
    assert told(since=mark) == {"province": [f"信用记录：{NJ_JC}（{NJ_JC}）待省级复核。"]}

    mark = last_notice()
    act(decide_return, world("province"), credit_record, "请补充检查记录原件。")
    returned = told(since=mark)
    assert returned.keys() == {"nanjing", "nanjing-2"}, "the city that filed corrects it, not the institution"
    assert "请补充检查记录原件" in returned["nanjing"][0]

    response = world("nanjing").post(reverse("application_withdraw", args=[credit_record.pk]))
    assert response.status_code == 302
    credit_record = act(workflow.record_credit, world("nanjing"), institution=NJ_JC)
    mark = last_notice()
    act(workflow.decide, world("province"), credit_record)
    assert told(Kind.APPROVED, since=mark).keys() == {"nanjing", "nanjing-2"}
    conduct = told(Kind.CONDUCT, since=mark)
    assert conduct.keys() == {"nj-jc"}
    assert (
        "不良行为记录已生效：出具虚假检测报告，-30分" in conduct["nj-jc"][0] and "申诉" in conduct["nj-jc"][0]
    )


def test_the_provinces_record_about_a_person_tells_the_persons_institution_only(world, act):
    mark = last_notice()
    act(workflow.record_credit, world("province"), person=("苏JC-2021-00056", "刘洋"), category="无证上岗")
    conduct = told(since=mark)
    assert conduct.keys() == {"sz-jc", "sz-jc-2"}
    assert conduct["sz-jc"][0].startswith("本单位人员刘洋的不良行为记录已生效：无证上岗")
