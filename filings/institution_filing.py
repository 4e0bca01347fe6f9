"""机构备案: an institution files its information, one kind's qualification and 检测能力 changes;
approval applies all of it at once (and makes a 筹建 institution 正常)."""

from django.utils import timezone

from certificates.effects import change_certificate, change_rows, locked_certificates, open_print_task, row
from certificates.models import CertificateStatus, PostCertificate
from institutions.models import Capability, Institution, Kind, Qualification
from reviews.actions import ApplicationConflict, file_application
from reviews.processes import (
    COLOUR_SCAN,
    FilingRefused,
    Process,
    ScanSpec,
)

from .models import CapabilityChange, InstitutionFiling

SCAN_LABELS = (("qualification_original", "资质证书正本"), ("qualification_copy", "资质证书副本"))
SCAN_TYPES = [t for t, _ in SCAN_LABELS]
COPY_HINT = "如副本超过 5 页，请将多页扫描为一个文件（如 PDF）后上传。"


def snapshot(institution: Institution, kind) -> dict:
    """What a filing may change, as it is now (kept on the filing for the before/after page)."""
    qualification = institution.qualifications.filter(kind=kind).first()
    return {
        "info": {f: getattr(institution, f) for f in InstitutionFiling.INFO_FIELDS},
        "qualification": {
            "qualification_number": qualification.number,
            "valid_from": str(qualification.valid_from),
            "valid_until": str(qualification.valid_until),
            "scope": qualification.scope,
        }
        if qualification
        else None,
        "scans": [scan_entry(a) for a in qualification.scans.all()] if qualification else [],
    }


def scan_entry(attachment) -> dict:
    return {"pk": attachment.pk, "type": attachment.type, "name": attachment.original_name}


def file_institution(user, filing: InstitutionFiling, *, additions, extensions, scans_by_type, removals=()):
    """Submit a filing with its 增项 ``additions`` [(category, item, parameters)], 扩项
    ``extensions`` {capability: parameters} and 减项 ``removals`` [capability]. One open filing per
    institution and module."""

    def add_changes(saved):
        rows = [
            CapabilityChange(filing=saved, action="add", category=c, item=i, parameters=p)
            for c, i, p in additions
        ]
        rows += [
            CapabilityChange(
                filing=saved,
                action="extend",
                capability=capability,
                category=capability.category,
                item=capability.item,
                parameters=parameters,
                parameters_before=capability.parameters,
            )
            for capability, parameters in extensions.items()
        ]
        rows += [
            CapabilityChange(
                filing=saved,
                action="remove",
                capability=capability,
                category=capability.category,
                item=capability.item,
                parameters_before=capability.parameters,
            )
            for capability in removals
        ]
        CapabilityChange.objects.bulk_create(rows)

    _check_first_scans(user.institution, filing, scans_by_type)
    filing.before = snapshot(user.institution, filing.kind)
    filing.module_jc = filing.kind == "JC"
    filing.module_dj = filing.kind == "DJ"
    return file_application(filing, user, scans_by_type=scans_by_type, on_saved=add_changes)


def _check_first_scans(institution, filing, scans_by_type) -> None:
    """The first filing of a qualification brings its 正本 and at least one 副本 (上传：资质正本和副本的扫描件)."""
    first = not institution.qualifications.filter(kind=filing.kind).exists()
    if first and filing.qualification_number and not all(scans_by_type.get(t) for t in SCAN_TYPES):
        raise FilingRefused(
            f"首次备案{filing.get_kind_display()}资质，请上传资质证书正本和至少一个副本的扫描件。"
        )


def check_filing(user, filing: InstitutionFiling) -> None:
    """An institution files for itself, one open filing per module at a time (checked under its row
    lock): a 建材 filing under review never blocks one for 地基."""
    if filing.institution_id != user.institution_id:
        raise FilingRefused("机构备案只能由本机构办理。")
    institution = Institution.objects.select_for_update().get(pk=user.institution_id)
    others = InstitutionFiling.objects.open().filter(institution=institution, kind=filing.kind)
    if others.exclude(pk=filing.pk).exists():
        raise ApplicationConflict(
            f"本机构已有未办结的{filing.get_kind_display()}机构备案申请，请待其办结或撤回后再提交。"
        )


def apply(filing: InstitutionFiling, actor) -> None:
    institution = Institution.objects.select_for_update().get(pk=filing.institution_id)
    for field in InstitutionFiling.INFO_FIELDS:
        setattr(institution, field, getattr(filing, field))
    if institution.status == Institution.Status.PREPARING:
        institution.open(by=actor, description=f"机构备案 #{filing.pk} 通过")
    institution.save()
    if filing.qualification_number:
        qualification, _ = Qualification.objects.update_or_create(
            institution=institution,
            kind=filing.kind,
            defaults={
                "number": filing.qualification_number,
                "valid_from": filing.valid_from,
                "valid_until": filing.valid_until,
                "scope": filing.scope,
            },
        )
        # A filing replaces exactly the scans it names: its 正本 the earlier 正本, its 副本 the earlier
        # 副本; every other scan stays on the qualification. A replaced scan keeps its filing (and file).
        scans = filing.attachments.current().filter(type__in=SCAN_TYPES)
        named = set(scans.values_list("type", flat=True))
        qualification.scans.filter(type__in=named).exclude(application=filing).update(qualification=None)
        scans.update(qualification=qualification)
    for change in filing.capability_changes.all():
        if change.action == CapabilityChange.Action.REMOVE:
            Capability.objects.filter(pk=change.capability_id, institution=institution).delete()
        elif change.action == CapabilityChange.Action.ADD:
            Capability.objects.create(
                institution=institution,
                kind=filing.kind,
                category=change.category,
                item=change.item,
                parameters=change.parameters,
            )
        else:
            Capability.objects.filter(pk=change.capability_id, institution=institution).update(
                parameters=change.parameters
            )
    reattach(filing, institution, actor)


def reattach(application, institution, actor) -> None:
    """The transfer rule for the people already here: each 调离 certificate of a kind the institution
    now holds (in force today) re-attaches to it as 无信用档案 and is printed with its institution."""
    kinds = [kind for kind in Kind.values if institution.holds(kind)]
    detached = locked_certificates(
        holder__institution=institution, status=CertificateStatus.DETACHED, kind__in=kinds
    )
    for certificate in detached:
        change_certificate(application, certificate, "follow_holder", actor, institution)
        open_print_task(application, certificate, institution.city_id, actor)


def certificate_rows(filing: InstitutionFiling) -> list[dict]:
    """The certificates this filing re-attaches: actual once approved, predicted until then (a 调离
    certificate of the filed kind re-attaches if the filed qualification is in force today)."""
    rows = change_rows(filing)
    if rows or filing.state == "approved" or not filing.qualification_number:
        return rows
    detached = PostCertificate.objects.filter(
        holder__institution_id=filing.institution_id, status=CertificateStatus.DETACHED, kind=filing.kind
    ).select_related("holder")
    filed = Qualification(valid_from=filing.valid_from, valid_until=filing.valid_until)
    if filed.in_force(timezone.localdate()):
        after = (CertificateStatus.NO_CREDIT_FILE, filing.institution)
    else:
        after = (CertificateStatus.DETACHED, None)
    return [row(c, c.status, None, *after) for c in detached]


def summary(filing: InstitutionFiling, user) -> dict:
    before = filing.before or {}
    info_before = before.get("info") or {}
    info = [
        _row(InstitutionFiling._meta.get_field(f).verbose_name, info_before.get(f), getattr(filing, f))
        for f in InstitutionFiling.INFO_FIELDS
    ]
    qualification = []
    if filing.qualification_number:
        q_before = before.get("qualification") or {}
        qualification = [
            _row(InstitutionFiling._meta.get_field(f).verbose_name, q_before.get(f), getattr(filing, f))
            for f in InstitutionFiling.QUALIFICATION_FIELDS
        ]
    return {
        "info_rows": info,
        "qualification_rows": qualification,
        "capability_changes": filing.capability_changes.all(),
        "scan_rows": scan_rows(filing),
        "certificate_rows": certificate_rows(filing),
        "changes": filing.state == "approved",
    }


def scan_rows(filing: InstitutionFiling) -> list[dict]:
    """The qualification's scans before → after: an earlier scan is kept unless the filing brings one
    of its type, which replaces it (what ``apply`` does)."""
    new = list(filing.attachments.current().filter(type__in=SCAN_TYPES))
    named = {a.type for a in new}
    labels = dict(SCAN_LABELS)
    rows = [
        {**entry, "label": labels.get(entry["type"], entry["type"]),
         "outcome": "替换" if entry["type"] in named else "保留"}
        for entry in (filing.before or {}).get("scans", [])
    ]  # fmt: skip
    rows += [{**scan_entry(a), "label": labels[a.type], "outcome": "新增"} for a in new]
    return rows


def _row(label, before, after) -> dict:
    after = "" if after is None else str(after)
    before = None if before is None else str(before)
    return {"label": label, "before": before, "after": after, "changed": before != after}


INSTITUTION_FILING = Process(
    type="institution_filing",
    label="机构备案",
    model=InstitutionFiling,
    review_title="机构备案审核",
    filer_scans=(
        ScanSpec(
            SCAN_TYPES[0],
            SCAN_LABELS[0][1],
            required=False,
            field_label="资质证书正本扫描件",
            help_text=f"资质证书正本的{COLOUR_SCAN}",
        ),
        ScanSpec(
            SCAN_TYPES[1],
            SCAN_LABELS[1][1],
            required=False,
            multiple=True,
            max_files=Qualification.MAX_COPY_SCANS,
            help_text=f"资质证书副本的{COLOUR_SCAN}；{COPY_HINT}",
            field_label="资质证书副本扫描件",
        ),
    ),
    correction_form="filings.forms.InstitutionFilingForm",
    check_filing=check_filing,
    apply=apply,
    summary=summary,
    summary_template="filings/includes/_institution_filing_summary.html",
)
