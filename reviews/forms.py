"""Form pieces every process shares: scan upload fields and the decision form."""

from django import forms
from django.core.exceptions import ValidationError

from .attachments import check_totals, inspect_files
from .models import AttachmentType
from .uploads import greyscale_warning


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class ScanField(forms.FileField):
    """An attachment type's upload: one or several files, each checked by ``inspect_upload``.

    Cleans to a list of ``Scan`` in page order.
    """

    def __init__(
        self, att_type: str, *, multiple: bool = False, max_files: int | None = None, hint="", **kwargs
    ):
        self.att_type = att_type
        self.multiple = multiple
        self.max_files = max_files
        self.hint = hint
        kwargs.setdefault("label", AttachmentType(att_type).label)
        attrs = {"accept": ".jpg,.jpeg,.png,.pdf"}
        if multiple:
            attrs["multiple"] = True
        widget = MultipleFileInput(attrs=attrs) if multiple else forms.ClearableFileInput(attrs=attrs)
        super().__init__(widget=widget, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not files:
            if self.required:
                raise ValidationError(f"请上传{self.label}。", code="required")
            return []
        if not self.multiple and len(files) > 1:
            raise ValidationError(f"{self.label}只能上传一个文件。")
        if self.max_files and len(files) > self.max_files:
            raise ValidationError(f"{self.label}最多上传 {self.max_files} 个文件。{self.hint}")
        return inspect_files(files, label=self.label)


class ScanFormMixin:
    """Checks per-request totals across all scan fields and collects greyscale warnings."""

    def scan_fields(self):
        return [name for name, field in self.fields.items() if isinstance(field, ScanField)]

    def scans_by_type(self) -> dict:
        return {
            self.fields[name].att_type: self.cleaned_data[name]
            for name in self.scan_fields()
            if self.cleaned_data.get(name)
        }

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            check_totals([s for scans in self.scans_by_type().values() for s in scans])
        return cleaned

    @property
    def scan_warnings(self) -> list[str]:
        return [
            greyscale_warning(s.info.name)
            for scans in self.scans_by_type().values()
            for s in scans
            if s.info.greyscale
        ]


def scan_form(spec, *, required: bool = True, base=forms.Form):
    """A form class with one ``ScanField`` per ``(att_type, multiple)`` in ``spec``."""
    fields = {
        att_type: ScanField(att_type, multiple=multiple, required=required) for att_type, multiple in spec
    }
    return type("ScanForm", (ScanFormMixin, base), fields)


class DecisionForm(forms.Form):
    DECISIONS = [("approve", "同意"), ("return", "退回")]

    decision = forms.ChoiceField(label="审核结论", choices=DECISIONS, widget=forms.RadioSelect)
    opinion = forms.CharField(
        label="审核意见", widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=1000
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "return" and not cleaned.get("opinion", "").strip():
            self.add_error("opinion", "退回时必须填写审核意见（退回原因）。")
        return cleaned


class ReasonForm(forms.Form):
    reason = forms.CharField(label="原因", widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)
