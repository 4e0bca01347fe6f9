"""Form pieces every process shares: scan upload fields and the decision form."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from workdays.deadlines import DEADLINE_FILTERS

from .attachments import MB, check_totals, inspect_files
from .processes import ScanSpec
from .staging import SUFFIX, StagedFile, UnclaimedFile
from .uploads import check_page_order, greyscale_warning


class ScanInput(forms.FileInput):
    """A file input that static/js/app.js turns into a staged upload (each file sent as it is chosen,
    with a progress bar); the files already staged are listed below it, each with its token, so a form
    that comes back with an error still carries them. Without JavaScript it is a plain file input."""

    def __init__(self, spec: ScanSpec, label: str):
        self.allow_multiple_selected = spec.multiple
        attrs = {
            "accept": ".jpg,.jpeg,.png,.pdf",
            "data-scan-type": spec.type,
            "data-label": label,
            "data-max-files": spec.max_files or (0 if spec.multiple else 1),
            "data-paged": "1" if spec.paged else "",
        }
        if spec.multiple:
            attrs["multiple"] = True
        super().__init__(attrs=attrs)

    def use_required_attribute(self, initial):
        # Staged files are not in the input; the server says what is missing, in the summary too.
        return False

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].update(
            {
                "data-stage-url": reverse("upload_stage"),
                "data-max-bytes": settings.ATTACHMENT_MAX_FILE_MB * MB,
            }
        )
        return context

    def render(self, name, value, attrs=None, renderer=None):
        files = value if isinstance(value, list | tuple) else [value]
        staged = [f.staged for f in files if isinstance(f, StagedFile)]
        items = format_html_join(
            "",
            '<li data-token="{}" data-name="{}"><input type="hidden" name="{}" value="{}">{}{}'
            '<button type="button" class="link" data-unstage>移除</button></li>',
            (
                (
                    s.token,
                    s.original_name,
                    name + SUFFIX,
                    s.token,
                    s.original_name,
                    format_html('<span class="grey-warning">（灰度图像，应为彩色扫描件）</span>')
                    if s.greyscale
                    else "",
                )
                for s in staged
            ),
        )
        return format_html(
            '{}<ul class="staged" data-staged-for="{}">{}</ul>',
            super().render(name, None, attrs, renderer),
            name,
            items,
        )


class ScanField(forms.FileField):
    """The upload of one declared kind of scan: one or several files (chosen now or staged earlier),
    each checked by ``inspect_upload``; a paged scan's pages numbered 1, 2, 3 … (``check_page_order``).
    Cleans to a list of ``Scan`` in page order."""

    def __init__(self, spec: ScanSpec, *, required: bool | None = None):
        self.att_type = spec.type
        self.multiple = spec.multiple
        self.paged = spec.paged
        self.max_files = spec.max_files
        self.hint = spec.help_text if spec.max_files else ""
        hint = spec.help_text.rstrip("。") + "。" if spec.help_text else ""
        limit = f"最多 {spec.max_files} 个文件。" if spec.max_files else ""
        super().__init__(
            widget=ScanInput(spec, spec.upload_label),
            label=spec.upload_label,
            help_text=hint + limit,
            required=spec.required if required is None else required,
        )

    def bound_data(self, data, initial):
        # Django's FileField renders nothing back; the staged files are rendered back with their tokens.
        return data

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if any(isinstance(f, UnclaimedFile) for f in files):
            raise ValidationError(f"{self.label}：{UnclaimedFile.message}", code="unclaimed")
        if not files:
            if self.required:
                raise ValidationError(f"请上传{self.label}。", code="required")
            return []
        if not self.multiple and len(files) > 1:
            raise ValidationError(f"{self.label}只能上传一个文件。")
        if self.max_files and len(files) > self.max_files:
            raise ValidationError(f"{self.label}最多上传 {self.max_files} 个文件。{self.hint}")
        errors = []
        if self.paged:
            try:
                check_page_order([f.name for f in files], label=self.label)
            except ValidationError as e:
                errors.extend(e.messages)
        try:
            scans = inspect_files(files, label=self.label)
        except ValidationError as e:
            errors.extend(e.messages)
        if errors:
            raise ValidationError(errors)
        return scans


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


def _as_posted(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "_meta"):
        return str(value.pk)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


class CorrectionMixin:
    """A filing form reused to correct a returned application: the same fields and rules, its initial
    values from the application, only ``correctable`` fields kept (who and what the application is about
    stay), and every scan optional (a new upload replaces the current ones of its type; none keeps them).
    """

    correctable: tuple[str, ...] = ()
    correcting = None  # the application being corrected

    @classmethod
    def correction_of(cls, application, user, data=None, files=None):
        """The form for ``user`` to correct ``application`` (bound to ``data`` / ``files`` when posted)."""
        return cls(data, files, **cls.correction_kwargs(application, user)).for_correction(application)

    @classmethod
    def correction_kwargs(cls, application, user) -> dict:
        """The form's own constructor arguments, as when filing."""
        return {"institution": user.institution}

    def for_correction(self, application):
        self.correcting = application
        for name in list(self.fields):
            field = self.fields[name]
            if isinstance(field, ScanField):
                field.required = False
            elif name not in self.correctable:
                del self.fields[name]
        self.initial.update(self.correction_initial(application))
        if self.is_bound:  # a field the POST leaves out keeps its filed value
            data = self.data.copy()
            for name in self.correctable:
                if name not in data:
                    data[name] = _as_posted(self.initial.get(name))
            self.data = data
        return self

    def correction_initial(self, application) -> dict:
        return {name: getattr(application, name) for name in self.correctable}

    def corrections(self) -> dict:
        """{field name: corrected value} for ``reviews.actions.resubmit``."""
        return {name: self.cleaned_data[name] for name in self.correctable if name in self.cleaned_data}

    def has_current_scan(self, type: str) -> bool:
        """Whether the application being corrected still holds a current scan of ``type``."""
        return bool(self.correcting) and self.correcting.attachments.current().filter(type=type).exists()


def scan_fields(specs, *, required: bool | None = None) -> dict:
    """One ``ScanField`` per declared scan, named by its type; ``required=False`` makes all optional."""
    return {spec.type: ScanField(spec, required=required) for spec in specs}


def scan_form(specs, *, required: bool | None = None):
    """A form class with one ``ScanField`` per declared scan (the 接收 and resubmission forms)."""
    return type("ScanForm", (ScanFormMixin, forms.Form), scan_fields(specs, required=required))


AGES = [("3", "3天以上"), ("7", "7天以上"), ("15", "15天以上"), ("30", "30天以上")]


class QueueFilterForm(forms.Form):
    """A reviewer queue's filters: the tab (待审核 when none), a city among ``cities``, a waiting age, and
    the deadline (已超期 / 即将到期)."""

    tab = forms.ChoiceField(label="页签", choices=[("waiting", "待审核"), ("done", "已审核")], required=False)
    city = forms.ModelChoiceField(label="市", queryset=None, required=False)
    age = forms.TypedChoiceField(label="等待", choices=AGES, coerce=int, empty_value=None, required=False)
    due = forms.ChoiceField(label="办理时限", choices=DEADLINE_FILTERS, required=False)

    def __init__(self, *args, cities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["city"].queryset = cities


class DecisionForm(forms.Form):
    DECISIONS = [("approve", "同意"), ("return", "退回")]

    decision = forms.ChoiceField(label="审核结论", choices=DECISIONS, widget=forms.RadioSelect)
    opinion = forms.CharField(
        label="审核意见", widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=1000
    )

    party = forms.ChoiceField(
        label="须更正的一方",
        choices=[("filer", "调出机构"), ("receiver", "调入机构")],
        widget=forms.RadioSelect,
        required=False,
        initial="filer",
        help_text="退回时选择：只有该方须更正并重新提交，另一方的附件保留（未选即调出机构）。",
    )

    def __init__(self, *args, parties: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not parties:  # one party filed it: a return always goes back to the filer
            del self.fields["party"]

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("opinion", "").strip():
            if cleaned.get("decision") == "return":
                self.add_error("opinion", "退回时必须填写审核意见（退回原因）。")
            else:
                self.add_error("opinion", "请签署审核意见（同意时可点击“填入：同意”）。")
        return cleaned


class ReasonForm(forms.Form):
    reason = forms.CharField(label="原因", widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)
