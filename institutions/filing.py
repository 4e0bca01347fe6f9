"""机构备案: the province opens an institution and its login; the institution files its information,
qualification and 检测能力 changes; approval applies all of it at once."""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from reviews.actions import RequestConflict, file_request
from reviews.models import OPEN_STATES, AttachmentType

from .models import Capability, CapabilityChange, Institution, InstitutionFiling, Qualification, User


@transaction.atomic
def create_institution(actor, *, name, credit_code, city, username, password) -> Institution:
    """The province creates a 筹建 institution and its login; the password must be changed at first login."""
    if not actor.is_province:
        raise PermissionDenied("只有省质监总站可以新增检测机构。")
    institution = Institution.objects.create(name=name, credit_code=credit_code, city=city)
    user = User(
        username=username, role=User.Role.INSTITUTION, institution=institution, must_change_password=True
    )
    user.set_password(password)
    user.save()
    return institution


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

    with transaction.atomic():
        institution = Institution.objects.select_for_update().get(pk=user.institution_id)
        if InstitutionFiling.objects.filter(institution=institution, state__in=OPEN_STATES).exists():
            raise RequestConflict
        filing.institution = institution
        filing.before = snapshot(institution, filing.kind)
        filing.module_jc = filing.kind == "JC"
        filing.module_dj = filing.kind == "DJ"
        return file_request(
            filing, user, cities={institution.city_id}, scans_by_type=scans_by_type, on_saved=add_changes
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
        scans = filing.attachments.filter(
            type__in=[AttachmentType.QUALIFICATION_ORIGINAL, AttachmentType.QUALIFICATION_COPY]
        )
        if scans.exists():
            qualification.scans.exclude(request=filing).update(qualification=None)
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


def summary_context(filing: InstitutionFiling, user) -> dict:
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
