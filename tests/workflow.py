"""Walk a transfer through HTTP as the demo roles would. Each step asserts the response it expects."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from certificates.models import PostCertificate
from institutions.models import Institution
from personnel.models import Person
from reviews.models import Application

from . import files


def post_transfer(client, person_name: str, to_institution: str):
    person = Person.objects.get(name=person_name)
    receiving = Institution.objects.get(name=to_institution)
    return client.post(
        reverse("transfer_new"),
        {
            "person": person.pk,
            "receiving_institution": receiving.pk,
            "termination": files.jpeg("解除劳动关系证明.jpg"),
        },
    )


def file_transfer(client, person_name: str, to_institution: str, expect=302) -> Application | None:
    response = post_transfer(client, person_name, to_institution)
    assert response.status_code == expect, response.content.decode()[:2000]
    if expect != 302:
        return None
    return Application.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))


def accept(client, application, expect=302):
    response = client.post(
        reverse("application_accept", args=[application.pk]),
        {
            "labour_contract": [files.jpeg("2.jpg"), files.jpeg("1.jpg"), files.jpeg("3.jpg")],
            "social_security": [files.pdf("社保.pdf")],
            "certificate_scan": [files.png("上岗证.png")],
        },
    )
    assert response.status_code == expect, response.content.decode()[:2000]
    return response


def decide(client, application, decision="approve", opinion="原件已核对，同意。", expect=302):
    response = client.post(
        reverse("application_decide", args=[application.pk]), {"decision": decision, "opinion": opinion}
    )
    assert response.status_code == expect, response.content.decode()[:2000]
    return response


def walk_transfer(login, person_name, from_account, to_account, to_institution, cities):
    """File, accept, every city approves, the province approves; returns the request."""
    application = file_transfer(login(from_account), person_name, to_institution)
    accept(login(to_account), application)
    for city in cities:
        decide(login(city), application)
    decide(login("province"), application)
    application.refresh_from_db()
    return application


def certificate(number: str) -> PostCertificate:
    return PostCertificate.objects.select_related("institution").get(number=number)


def file_reissue(client, numbers, reason="证书遗失", expect=302):
    ids = [certificate(n).pk for n in numbers]
    response = client.post(
        reverse("reissue_new"),
        {
            "certificates": ids,
            "reason": reason,
            "newspaper_notice": files.jpeg("登报声明.jpg"),
            "labour_contract": [files.jpeg("1.jpg"), files.jpeg("2.jpg")],
            "social_security": [files.pdf("社保.pdf")],
        },
    )
    assert response.status_code == expect, response.content.decode()[:3000]
    if expect != 302:
        return response
    return Application.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))


def file_cancellation(client, numbers, reason="本人离职，不再从事检测工作", agrees="yes", expect=302):
    ids = [certificate(n).pk for n in numbers]
    response = client.post(
        reverse("cancellation_new"),
        {
            "certificates": ids,
            "reason": reason,
            "holder_agrees": agrees,
            "certificate_scan": [files.jpeg("岗位合格证.jpg")],
        },
    )
    assert response.status_code == expect, response.content.decode()[:3000]
    if expect != 302:
        return response
    return Application.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))


def approve_everywhere(login, application, cities):
    for city in cities:
        decide(login(city), application)
    decide(login("province"), application)
    application.refresh_from_db()
    return application


def record_credit(client, *, institution=None, person=None, category="出具虚假检测报告", expect=302, **extra):
    """新增信用记录 as ``client`` (a city or the province) about an institution (by name) or a person
    (certificate number, name); returns the record, or the response when refused."""
    from credit.models import Category, CreditRecord

    data = {
        "subject": "person" if person else "institution",
        "institution": Institution.objects.get(name=institution).pk if institution else "",
        "certificate_number": person[0] if person else "",
        "person_name": person[1] if person else "",
        "category": Category.objects.get(name=category).pk,
        "conduct_date": (timezone.localdate() - timedelta(days=10)).isoformat(),
        "description": "2026年第三季度抽查发现出具虚假检测报告3份",
        "credit_evidence": [files.pdf("检查记录.pdf")],
        **extra,
    }
    response = client.post(reverse("credit_record_new"), data)
    assert response.status_code == expect, response.content.decode()[:3000]
    if expect != 302:
        return response
    return CreditRecord.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
