"""A person's 信用档案 as one viewer may see it, read in a fixed number of queries.

``dossier_for(user, pk)`` starts from ``Person.objects.visible_to(user)`` (outside it: ``Http404``) and
reads each part in one or two queries, whatever the number of periods, certificates, papers and
applications: the page and the PDF both render from the :class:`Dossier` it returns.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch
from django.http import Http404
from django_fsm_log.models import StateLog

from certificates.models import CertificateStatus, PostCertificate, PrintTask
from credit.models import CreditRecord, CreditScore
from personnel.models import Employment, Person
from reviews.models import Application, Attachment, Decision


def sees_full_id_number(user, person: Person) -> bool:
    """The ID number is shown whole to the province and to the person's current institution only."""
    if user.is_province:
        return True
    return (
        user.is_institution
        and person.institution_id is not None
        and person.institution_id == user.institution_id
    )


@dataclass(frozen=True)
class StatusEntry:
    """One line of a certificate's status history."""

    at: datetime.datetime | datetime.date
    before: str  # label, empty for the first line (issued)
    after: str
    note: str


@dataclass
class CertificateFile:
    """A certificate with its papers (print tasks, oldest first) and its status history."""

    certificate: PostCertificate
    papers: list[PrintTask] = field(default_factory=list)
    history: list[StatusEntry] = field(default_factory=list)


@dataclass
class Dossier:
    person: Person
    id_number: str  # whole or masked, as this viewer may see it
    id_number_masked: bool
    employments: list[Employment]
    certificates: list[CertificateFile]
    applications: list[Application]  # each with ``decisions`` and ``scans`` (current, visible) loaded
    credit_records: list = field(default_factory=list)  # 信用记录 in force that the viewer may see
    credit_score: CreditScore | None = None  # this year's 信用评价 of the person, once computed


def dossier_for(user, pk: int) -> Dossier:
    """The person's file as ``user`` may see it; ``Http404`` if the person is outside their scope."""
    person = Person.objects.visible_to(user).select_related("institution__city").filter(pk=pk).first()
    if person is None:
        raise Http404("不在您的管理范围内")
    full = sees_full_id_number(user, person)
    return Dossier(
        person=person,
        id_number=person.id_number if full else person.masked_id_number,
        id_number_masked=not full,
        employments=list(person.employments.select_related("institution__city").in_order()),
        certificates=_certificates(person),
        applications=_applications(user, person),
        credit_records=list(CreditRecord.objects.in_force_for_person(person, user)),
        credit_score=CreditScore.objects.for_year().filter(person=person).first(),
    )


def _certificates(person) -> list[CertificateFile]:
    """Three queries: certificates, their print tasks, their state logs (the content type is cached)."""
    papers = PrintTask.objects.select_related("application", "destination_city").order_by("pk")
    certificates = list(
        PostCertificate.objects.filter(holder=person)
        .select_related("institution")
        .prefetch_related(Prefetch("print_tasks", queryset=papers))
    )
    if not certificates:
        return []
    logs = (
        StateLog.objects.filter(
            content_type=ContentType.objects.get_for_model(PostCertificate),
            object_id__in=[c.pk for c in certificates],
        )
        .select_related("by__institution", "by__city")
        .order_by("timestamp", "pk")
    )
    labels = dict(CertificateStatus.choices)
    files = {c.pk: CertificateFile(c, papers=list(c.print_tasks.all())) for c in certificates}
    for c in certificates:
        files[c.pk].history.append(StatusEntry(c.issued_on, "", "发证", f"第1版，{c.get_kind_display()}"))
    for log in logs:
        note = log.description or ""
        if log.by_id:
            note = f"{note}（{log.by.scope_label}）" if note else log.by.scope_label
        entry = StatusEntry(log.timestamp, labels.get(log.source_state, log.source_state or ""),
                            labels.get(log.state, log.state), note)  # fmt: skip
        files[int(log.object_id)].history.append(entry)
    return list(files.values())


def _applications(user, person) -> list[Application]:
    """The requests about the person that ``user`` may see, newest first, with their decisions and their
    current scans: three queries."""
    decisions = Decision.objects.select_related("city").order_by("decided_at", "pk")
    applications = list(
        Application.objects.visible_to(user)
        .filter(person=person)
        .select_related("institution", "receiving_institution")
        .prefetch_related(Prefetch("decisions", queryset=decisions))
        .order_by("-created_at", "-pk")
    )
    if not applications:
        return []
    scans: dict[int, list[Attachment]] = {}
    current = Attachment.objects.filter(application__in=[a.pk for a in applications]).current()
    for scan in current.order_by("application_id", "type", "page", "pk"):
        scans.setdefault(scan.application_id, []).append(scan)
    for application in applications:
        application.scans = scans.get(application.pk, [])
    return applications
