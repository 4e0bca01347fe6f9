"""The two filing forms; their scan fields come from each process's declaration, their rules from its
``check_filing`` (run by the action, shown on the form)."""

from django import forms

from institutions.models import Institution
from personnel.models import Person
from personnel.validators import birth_date_and_gender, validate_id_number
from reviews.forms import CorrectionMixin, ScanFormMixin, scan_fields

from .institution_filing import INSTITUTION_FILING
from .models import CapabilityChange, InstitutionFiling, PersonnelFiling
from .personnel_filing import PERSONNEL_FILING


class PersonnelFilingForm(CorrectionMixin, ScanFormMixin, forms.ModelForm):
    """人员备案: the person's details and the five kinds of scans (every one correctable after 退回)."""

    correctable = tuple(PersonnelFiling.FIELDS)

    @classmethod
    def correction_kwargs(cls, application, user) -> dict:
        return {"person": application.person}

    class Meta:
        model = PersonnelFiling
        fields = PersonnelFiling.FIELDS
        widgets = {"birth_date": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})}

    def __init__(self, *args, person: Person | None = None, **kwargs):
        self.person = person
        super().__init__(*args, **kwargs)
        self.fields.update(scan_fields(PERSONNEL_FILING.filer_scans))
        self.fields["gender"].required = False
        self.fields["birth_date"].required = False
        self.fields["gender"].help_text = self.fields["birth_date"].help_text = "可不填，按身份证号自动识别"

    def clean_id_number(self):
        return validate_id_number(self.cleaned_data["id_number"])

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("id_number"):
            birth, gender = birth_date_and_gender(cleaned["id_number"])
            if cleaned.get("birth_date") and cleaned["birth_date"] != birth:
                self.add_error("birth_date", "出生日期与身份证号不一致。")
            if cleaned.get("gender") and cleaned["gender"] != gender:
                self.add_error("gender", "性别与身份证号不一致。")
            cleaned["birth_date"], cleaned["gender"] = birth, gender
        return cleaned


MAX_ADDITIONS = 200  # 增项 lines in one filing


class InstitutionFilingForm(CorrectionMixin, ScanFormMixin, forms.ModelForm):
    """机构备案 for one module: basic information, the qualification, 增项 and 扩项. A correction after 退回
    may change the basic information, the qualification and every scan; its 增项 and 扩项 stay as filed."""

    correctable = tuple(InstitutionFiling.INFO_FIELDS + InstitutionFiling.QUALIFICATION_FIELDS)

    @classmethod
    def correction_kwargs(cls, application, user) -> dict:
        return {"institution": user.institution, "kind": application.kind}

    additions = forms.CharField(
        label="增项（新增检测能力）",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "每行一项：检测类别｜检测项目｜检测参数"}),
        help_text="每行一项，用“｜”分隔：检测类别｜检测项目｜检测参数",
    )

    class Meta:
        model = InstitutionFiling
        fields = InstitutionFiling.INFO_FIELDS + InstitutionFiling.QUALIFICATION_FIELDS
        widgets = {
            # <input type=date> only takes ISO dates, whatever the locale's display format.
            "valid_from": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
            "valid_until": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
            "scope": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, institution: Institution, kind: str, **kwargs):
        self.institution, self.kind = institution, kind
        self.qualification = institution.qualifications.filter(kind=kind).first()
        initial = {f: getattr(institution, f) for f in InstitutionFiling.INFO_FIELDS}
        if self.qualification:
            q = self.qualification
            initial.update(
                qualification_number=q.number,
                valid_from=q.valid_from,
                valid_until=q.valid_until,
                scope=q.scope,
            )
        super().__init__(*args, initial=initial, **kwargs)
        self.fields.update(scan_fields(INSTITUTION_FILING.filer_scans))
        self.capabilities = list(institution.capabilities.filter(kind=kind))
        for capability in self.capabilities:
            self.fields[f"extend_{capability.pk}"] = forms.CharField(
                label=f"扩项：{capability.category} / {capability.item}",
                required=False,
                widget=forms.Textarea(attrs={"rows": 1}),
                help_text=f"现有参数：{capability.parameters or '—'}。填写扩项后的全部检测参数；不扩项则留空。",
            )
            self.fields[f"remove_{capability.pk}"] = forms.BooleanField(
                label=f"减项：删除 {capability.category} / {capability.item}", required=False
            )

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if Institution.objects.filter(name=name).exclude(pk=self.institution.pk).exists():
            raise forms.ValidationError("已有同名检测机构。")
        return name

    def clean_additions(self):
        rows = []
        existing = {(c.category, c.item) for c in self.capabilities}
        lines = self.cleaned_data["additions"].splitlines()
        if len([line for line in lines if line.strip()]) > MAX_ADDITIONS:
            raise forms.ValidationError(f"增项一次最多 {MAX_ADDITIONS} 行，请分次备案。")
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.replace("|", "｜").split("｜")]
            if len(parts) != 3 or not parts[0] or not parts[1]:
                raise forms.ValidationError(
                    f"增项第 {number} 行格式不正确，应为：检测类别｜检测项目｜检测参数"
                )
            for value, column in ((parts[0], "category"), (parts[1], "item")):
                field = CapabilityChange._meta.get_field(column)
                if len(value) > field.max_length:
                    raise forms.ValidationError(
                        f"增项第 {number} 行的{field.verbose_name}超过 {field.max_length} 个字。"
                    )
            if (parts[0], parts[1]) in existing:
                raise forms.ValidationError(
                    f"增项第 {number} 行“{parts[0]} / {parts[1]}”已存在，请改用扩项。"
                )
            existing.add((parts[0], parts[1]))
            rows.append(tuple(parts))
        return rows

    def extensions(self) -> dict:
        return {
            c: self.cleaned_data[f"extend_{c.pk}"].strip()
            for c in self.capabilities
            if self.cleaned_data.get(f"extend_{c.pk}", "").strip()
        }

    def removals(self) -> list:
        return [c for c in self.capabilities if self.cleaned_data.get(f"remove_{c.pk}")]

    def clean(self):
        cleaned = super().clean()
        for capability in self.removals():
            if cleaned.get(f"extend_{capability.pk}", "").strip():
                self.add_error(f"remove_{capability.pk}", "同一检测能力不能同时扩项和减项。")
        number = cleaned.get("qualification_number")
        changes_qualification = number and (
            not self.qualification
            or any(
                cleaned.get(f) != v
                for f, v in (
                    ("qualification_number", self.qualification.number),
                    ("valid_from", self.qualification.valid_from),
                    ("valid_until", self.qualification.valid_until),
                    ("scope", self.qualification.scope),
                )
            )
        )
        if number and not (cleaned.get("valid_from") and cleaned.get("valid_until")):
            self.add_error("valid_until", "请填写资质有效期。")
        elif number and cleaned["valid_until"] < cleaned["valid_from"]:
            self.add_error("valid_until", "有效期至不能早于有效期起。")
        capability_changes = cleaned.get("additions") or self.extensions() or self.removals()
        if self.correcting:  # its 增项 / 扩项 stay as filed
            capability_changes = self.correcting.capability_changes.exists()
        has_original = cleaned.get("qualification_original") or self.has_current_scan(
            "qualification_original"
        )
        if (changes_qualification or capability_changes) and not has_original:
            self.add_error(
                "qualification_original", "资质证书或检测能力有变化，请上传新的资质证书正本扫描件。"
            )
        if cleaned.get("additions") and not number:
            self.add_error("qualification_number", "增项须与资质证书一并备案，请填写资质证书编号。")
        return cleaned
