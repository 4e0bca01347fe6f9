from django import forms

from reviews.forms import ScanFormMixin, scan_form
from reviews.models import OPEN_STATES

from .models import Person, PersonnelFiling
from .validators import birth_date_and_gender, validate_id_number


class PersonnelFilingForm(ScanFormMixin, forms.ModelForm):
    """人员备案: the person's details and the five kinds of scans."""

    class Meta:
        model = PersonnelFiling
        fields = PersonnelFiling.FIELDS
        widgets = {"birth_date": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})}

    def __init__(self, *args, person: Person | None = None, **kwargs):
        self.person = person
        super().__init__(*args, **kwargs)
        self.fields.update(scan_form(PersonnelFiling.FILER_SCANS)().fields)
        self.fields["gender"].required = False
        self.fields["birth_date"].required = False
        self.fields["gender"].help_text = self.fields["birth_date"].help_text = "可不填，按身份证号自动识别"

    def clean_id_number(self):
        value = validate_id_number(self.cleaned_data["id_number"])
        others = Person.objects.filter(id_number=value)
        if self.person is not None:
            others = others.exclude(pk=self.person.pk)
        holder = others.select_related("institution").first()
        if holder:
            where = holder.institution.name if holder.institution else "系统"
            raise forms.ValidationError(f"该身份证号已在{where}备案。调入人员请由原机构办理人员变更调离。")
        pending = PersonnelFiling.objects.filter(id_number=value, state__in=OPEN_STATES)
        if self.person is None and pending.exists():
            raise forms.ValidationError("该身份证号已有未办结的人员备案申请。")
        return value

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
