"""The forms of 信用管理: recording conduct, 申诉, the catalogue, the rule, the lists' filters."""

from django import forms
from django.utils import timezone

from certificates.lookup import LookupForm
from certificates.models import PostCertificate
from institutions.models import City, Institution, Kind
from personnel.models import Person
from reviews.forms import ScanFormMixin, scan_fields
from web.filters import SearchForm
from web.widgets import LongSelect

from .appeals import APPEAL
from .models import Category, CreditRecord, Grade, Nature, RecordStatus, Rule
from .recording import CREDIT_RECORD


class RecordForm(ScanFormMixin, forms.Form):
    """新增信用记录: about an institution, or about a person named by certificate number and name."""

    SUBJECTS = [("institution", "检测机构"), ("person", "检测人员")]

    subject = forms.ChoiceField(
        label="记录对象", choices=SUBJECTS, widget=forms.RadioSelect, initial="institution"
    )
    institution = forms.ModelChoiceField(
        label="检测机构",
        queryset=Institution.objects.none(),
        required=False,
        widget=LongSelect,  # the province records about any of its 1,500 institutions
    )
    certificate_number = forms.CharField(label="人员证书编号", max_length=30, required=False)
    person_name = forms.CharField(label="人员姓名", max_length=50, required=False)
    category = forms.ModelChoiceField(label="行为类别", queryset=Category.objects.active())
    points = forms.IntegerField(
        label="分值", min_value=1, max_value=100, required=False, help_text="不填即按目录的默认分值"
    )
    years = forms.IntegerField(
        label="公示期限（年）", min_value=1, max_value=5, required=False, help_text="不填即按目录的默认期限"
    )
    conduct_date = forms.DateField(label="行为日期", widget=forms.DateInput(attrs={"type": "date"}))
    description = forms.CharField(label="行为描述", widget=forms.Textarea(attrs={"rows": 4}), max_length=2000)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["institution"].queryset = Institution.objects.visible_to(user).order_by("name")
        self.fields.update(scan_fields(CREDIT_RECORD.filer_scans))

    def clean_conduct_date(self):
        day = self.cleaned_data["conduct_date"]
        if day > timezone.localdate():
            raise forms.ValidationError("行为日期不能晚于今天。")
        return day

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if cleaned["subject"] == "institution":
            if not cleaned.get("institution"):
                self.add_error("institution", "请选择检测机构。")
            return cleaned
        number, name = cleaned.get("certificate_number", "").strip(), cleaned.get("person_name", "").strip()
        certificate = (
            PostCertificate.objects.filter(number=number.upper(), holder__name=name)
            .filter(holder__in=self._people())
            .select_related("holder__institution")
            .first()
            if number and name
            else None
        )
        if certificate is None:
            self.add_error(
                "certificate_number", "未找到该人员：请核对证书编号和姓名（须为本辖区机构的人员）。"
            )
        elif certificate.holder.institution is None:
            self.add_error("certificate_number", f"{name}不在任何检测机构，无法记录。")
        else:
            cleaned["person"] = certificate.holder
        return cleaned

    def _people(self):
        return Person.objects.visible_to(self.user).values("pk")

    def build(self) -> CreditRecord:
        data = self.cleaned_data
        category = data["category"]
        person = data.get("person")
        return CreditRecord(
            institution=person.institution if person else data["institution"],
            person_about=person,
            category=category,
            points=data["points"] or category.default_points,
            years=data["years"] or category.default_years,
            conduct_date=data["conduct_date"],
            description=data["description"],
        )


class AppealForm(ScanFormMixin, forms.Form):
    reason = forms.CharField(label="申诉理由", widget=forms.Textarea(attrs={"rows": 4}), max_length=2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(scan_fields(APPEAL.filer_scans))


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ["name", "nature", "default_points", "default_years", "active", "position"]


class RuleForm(forms.ModelForm):
    class Meta:
        model = Rule
        fields = ["base", "floor", "ceiling", "grade_aa", "grade_a", "grade_b"]

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if cleaned["floor"] > cleaned["ceiling"]:
            raise forms.ValidationError("最低分不能高于最高分。")
        if not cleaned["grade_aa"] > cleaned["grade_a"] > cleaned["grade_b"]:
            raise forms.ValidationError("等级最低分须为 AA > A > B。")
        return cleaned


class RecordFilterForm(SearchForm):
    nature = forms.ChoiceField(label="性质", choices=[("", "全部"), *Nature.choices], required=False)
    status = forms.ChoiceField(
        label="状态", choices=[("", "全部"), (RecordStatus.PENDING, "待省级复核"), (RecordStatus.IN_FORCE, "公示中")],
        required=False,
    )  # fmt: skip


class RankingFilterForm(forms.Form):
    city = forms.ModelChoiceField(label="市", queryset=City.objects.all(), required=False, empty_label="全部")
    kind = forms.ChoiceField(label="资质类别", choices=[("", "全部"), *Kind.choices], required=False)


class PublicFilterForm(SearchForm):
    city = forms.ModelChoiceField(label="市", queryset=City.objects.all(), required=False, empty_label="全部")
    grade = forms.ChoiceField(label="信用等级", choices=[("", "全部"), *Grade.choices], required=False)


class PersonLookupForm(LookupForm):
    name = forms.CharField(label="姓名", max_length=50)
