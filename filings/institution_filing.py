"""机构备案: an institution files its information, one kind's qualification and 检测能力 changes;
approval applies all of it at once (and makes a 筹建 institution 正常)."""

from institutions.models import Capability, Institution, Qualification
from reviews.actions import ApplicationConflict, file_application
from reviews.processes import FilingRefused, Process, ScanSpec

from .models import CapabilityChange, InstitutionFiling

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
    }


def file_institution(user, filing: InstitutionFiling, *, additions, extensions, scans_by_type):
    """Submit a filing with its 增项 ``additions`` [(category, item, parameters)] and 扩项
    ``extensions`` {capability: parameters}. One open filing per institution."""

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
        CapabilityChange.objects.bulk_create(rows)

    filing.before = snapshot(user.institution, filing.kind)
    filing.module_jc = filing.kind == "JC"
    filing.module_dj = filing.kind == "DJ"
    return file_application(filing, user, scans_by_type=scans_by_type, on_saved=add_changes)


def check_filing(user, filing: InstitutionFiling) -> None:
    """An institution files for itself, one open filing at a time (checked under its row lock)."""
    if filing.institution_id != user.institution_id:
        raise FilingRefused("机构备案只能由本机构办理。")
    institution = Institution.objects.select_for_update().get(pk=user.institution_id)
    others = InstitutionFiling.objects.open().filter(institution=institution).exclude(pk=filing.pk)
    if others.exists():
        raise ApplicationConflict("本机构已有未办结的机构备案申请，请待其办结或撤回后再提交。")


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
        scans = filing.attachments.current().filter(type__in=[s.type for s in INSTITUTION_FILING.filer_scans])
        if scans.exists():
            qualification.scans.exclude(application=filing).update(qualification=None)
            scans.update(qualification=qualification)
    for change in filing.capability_changes.all():
        if change.action == CapabilityChange.Action.ADD:
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
    }


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
        ScanSpec("qualification_original", "资质证书正本", required=False, field_label="资质证书正本扫描件"),
        ScanSpec(
            "qualification_copy",
            "资质证书副本",
            required=False,
            multiple=True,
            max_files=Qualification.MAX_COPY_SCANS,
            help_text=COPY_HINT,
            field_label="资质证书副本扫描件",
        ),
    ),
    correction_form="filings.forms.InstitutionFilingForm",
    check_filing=check_filing,
    apply=apply,
    summary=summary,
    summary_template="filings/includes/_institution_filing_summary.html",
)
