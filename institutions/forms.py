from django import forms

from reviews.forms import ScanField, ScanFormMixin
from reviews.models import AttachmentType

from .models import City, Institution, InstitutionFiling, Qualification, User
from .validators import validate_credit_code

COPY_HINT = "如副本超过 5 页，请将多页扫描为一个文件（如 PDF）后上传。"


class InstitutionFilingForm(ScanFormMixin, forms.ModelForm):
    """机构备案 for one module: basic information, the qualification, 增项 and 扩项."""

    additions = forms.CharField(
        label="增项（新增检测能力）",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "每行一项：检测类别｜检测项目｜检测参数"}),
        help_text="每行一项，用“｜”分隔：检测类别｜检测项目｜检测参数",
    )
    qualification_original = ScanField(
        AttachmentType.QUALIFICATION_ORIGINAL, required=False, label="资质证书正本扫描件"
    )
    qualification_copy = ScanField(
        AttachmentType.QUALIFICATION_COPY,
        multiple=True,
        required=False,
        max_files=Qualification.MAX_COPY_SCANS,
        hint=COPY_HINT,
        label="资质证书副本扫描件",
        help_text=f"最多 5 个文件。{COPY_HINT}",
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
        self.capabilities = list(institution.capabilities.filter(kind=kind))
        for capability in self.capabilities:
            self.fields[f"extend_{capability.pk}"] = forms.CharField(
                label=f"扩项：{capability.category} / {capability.item}",
                required=False,
                widget=forms.Textarea(attrs={"rows": 1}),
                help_text=f"现有参数：{capability.parameters or '—'}。填写扩项后的全部检测参数；不扩项则留空。",
            )

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if Institution.objects.filter(name=name).exclude(pk=self.institution.pk).exists():
            raise forms.ValidationError("已有同名检测机构。")
        return name

    def clean_additions(self):
        rows = []
        existing = {(c.category, c.item) for c in self.capabilities}
        for number, line in enumerate(self.cleaned_data["additions"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.replace("|", "｜").split("｜")]
            if len(parts) != 3 or not parts[0] or not parts[1]:
                raise forms.ValidationError(
                    f"增项第 {number} 行格式不正确，应为：检测类别｜检测项目｜检测参数"
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

    def clean(self):
        cleaned = super().clean()
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
        capability_changes = cleaned.get("additions") or self.extensions()
        if (changes_qualification or capability_changes) and not cleaned.get("qualification_original"):
            self.add_error(
                "qualification_original", "资质证书或检测能力有变化，请上传新的资质证书正本扫描件。"
            )
        if cleaned.get("additions") and not number:
            self.add_error("qualification_number", "增项须与资质证书一并备案，请填写资质证书编号。")
        return cleaned


class NewInstitutionForm(forms.Form):
    """The province opens an institution (筹建) and its login."""

    name = forms.CharField(label="机构名称", max_length=100)
    credit_code = forms.CharField(label="统一社会信用代码", max_length=18, validators=[validate_credit_code])
    city = forms.ModelChoiceField(label="所在市", queryset=City.objects.all(), empty_label="请选择")
    username = forms.CharField(label="用户名", max_length=150)
    password = forms.CharField(label="初始密码", min_length=8, help_text="至少 8 位；首次登录须修改。")

    def clean_name(self):
        if Institution.objects.filter(name=self.cleaned_data["name"]).exists():
            raise forms.ValidationError("已有同名检测机构。")
        return self.cleaned_data["name"]

    def clean_credit_code(self):
        code = self.cleaned_data["credit_code"].strip().upper()
        if Institution.objects.filter(credit_code=code).exists():
            raise forms.ValidationError("该统一社会信用代码已被使用。")
        return code

    def clean_username(self):
        if User.objects.filter(username=self.cleaned_data["username"]).exists():
            raise forms.ValidationError("该用户名已被使用。")
        return self.cleaned_data["username"]
