"""The filing forms of 【诚信变更管理】; their scan fields come from each process's declaration."""

from functools import cached_property

from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils.choices import BaseChoiceIterator

from institutions.cities import name_of as city_name
from institutions.cities import order_of as city_order
from institutions.models import City, Institution, Kind
from personnel.models import Person
from reviews.forms import CorrectionMixin, ScanFormMixin, scan_fields
from reviews.models import Application
from web.filters import SearchForm
from web.freshness import cached
from web.widgets import LongCheckboxes, LongSelect, leave_out, select_written, write_options
from workdays.deadlines import DEADLINE_FILTERS

from .cancellation import CANCELLATION
from .models import LIVE_STATUSES, CertificateStatus, PostCertificate, PrintTask, Recovery
from .reissue import REISSUE
from .transfer import TRANSFER

SHOWN = 50  # choices a filing form offers at once; beyond, the filer finds the person by search


def _column_id(value) -> bool:
    """Whether ``value`` is an id a database column holds (SQLite raises OverflowError on a longer one)."""
    return str(value).isascii() and str(value).isdigit() and len(str(value)) <= 18


def _posted_ids(form, name: str) -> list[int]:
    """The ids the filer sent for ``name``, read as numbers a column holds (anything else is left to the
    field's own validation)."""
    if not form.is_bound:
        return []
    values = form.data.getlist(name) if hasattr(form.data, "getlist") else [form.data.get(name)]
    return [int(v) for v in values if v and _column_id(v)]


class _DrawnChoices(BaseChoiceIterator):
    """Choices a widget reads only when the page draws it: ``_choices``, computed once."""

    def __iter__(self):
        return iter(self._choices)

    def __len__(self):
        return len(self._choices)


class InstitutionChoices(BaseChoiceIterator):
    """Every operating institution but the filer's as "name（city）" in the cities' order. Their
    ``<option>``s are written once and kept in the cache until the next change (``Institution.save`` and
    every transition bump the generation); each page leaves out the filer's own and marks the chosen
    one: reading the 1,500 as plain values took 0.1 s a page, writing their options from a kept list
    3 ms of every 添加变更."""

    def __init__(self, excluded_pk, empty_label):
        self.excluded_pk, self.empty_label = excluded_pk, empty_label

    def written(self, values) -> str:
        kept = cached("institution-options", lambda: write_options(_operating_institutions()))
        options = write_options([("", self.empty_label)]) + leave_out(kept, self.excluded_pk)
        return select_written(options, values)

    def __iter__(self):
        # Django's Select reads the first choice (is it empty?) for the ``required`` attribute; the page
        # draws the options through ``written``, so the rest is read only by other callers.
        yield "", self.empty_label
        yield from (choice for choice in _operating_institutions() if choice[0] != self.excluded_pk)


def _operating_institutions() -> list[tuple[int, str]]:
    rows = Institution.objects.operating().order_by("city_id", "name").values_list("pk", "name", "city_id")
    # By name within a city, in the cities' order (the database sorts the names in its collation).
    rows = sorted(rows, key=lambda row: city_order(row[2]))
    return [(pk, f"{name}（{city_name(city_id)}）") for pk, name, city_id in rows]


class Offered(_DrawnChoices):
    """The choices a filing form's field offers: what the filer's search (查找人员: a name, an ID number
    or a certificate number) found among the field's queryset, at most ``SHOWN``, and what the filer had
    selected; the field still accepts anything in its queryset. A large institution's thousands of
    people are not drawn into the page, and nothing is read until the page draws the field (a correction
    form drops it unread).

    ``more``: more matched than offered; ``any``: the institution has anything to file about at all."""

    shown = SHOWN

    def __init__(self, field, search: str, selected_ids=(), empty_label=None):
        self.field, self.search, self.selected_ids, self.empty_label = (
            field,
            search,
            selected_ids,
            empty_label,
        )
        field.widget.choices = self

    @cached_property
    def _matches(self) -> list:
        # One more than shown tells whether there are more. Both querysets are led by the holder's
        # institution, so the database walks that institution's people in name order and stops.
        return list(self.field.queryset.search(self.search)[: SHOWN + 1])

    @property
    def found(self) -> list:
        return self._matches[:SHOWN]

    @property
    def more(self) -> bool:
        return len(self._matches) > SHOWN

    @cached_property
    def any(self) -> bool:
        return bool(self._matches) or self.field.queryset.exists()

    @cached_property
    def _choices(self) -> list:
        selected = list(self.field.queryset.filter(pk__in=self.selected_ids)) if self.selected_ids else []
        objects = dict.fromkeys([*selected, *self.found])
        choices = [(obj.pk, self.field.label_from_instance(obj)) for obj in objects]
        return ([("", self.empty_label)] if self.empty_label is not None else []) + choices


class TransferForm(CorrectionMixin, ScanFormMixin, forms.Form):
    """添加变更: the person to transfer out, the 调入机构 and the 解除劳动关系证明. A correction after 退回
    may change the 调入机构 and the scan.

    ``search`` (查找人员: a name, an ID number or a certificate number) chooses which of the
    institution's people the form offers, at most ``SHOWN``; any of them is accepted."""

    correctable = ("receiving_institution",)

    person = forms.ModelChoiceField(
        label="调离人员",
        queryset=Person.objects.none(),
        empty_label="请选择人员",
        widget=LongSelect,
    )
    receiving_institution = forms.ModelChoiceField(
        label="调入机构",
        queryset=Institution.objects.none(),
        empty_label="请选择调入机构",
        widget=LongSelect,  # every operating institution of the province
    )

    def __init__(self, *args, institution, search: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(scan_fields(TRANSFER.filer_scans))
        open_application = Application.objects.open().filter(person=OuterRef("pk"))
        live = PostCertificate.objects.filter(holder=OuterRef("pk"), status__in=LIVE_STATUSES)
        people = (
            Person.objects.filter(institution=institution)
            .filter(Exists(live))
            .exclude(Exists(open_application))
            .order_by("name", "pk")
        )
        field = self.fields["person"]
        field.queryset = people
        field.label_from_instance = lambda p: f"{p.name}（{p.masked_id_number}）"
        self.offered = Offered(field, search, _posted_ids(self, "person")[:1], empty_label=field.empty_label)
        receiving = self.fields["receiving_institution"]
        receiving.queryset = Institution.objects.operating().exclude(pk=institution.pk)
        receiving.widget.choices = InstitutionChoices(institution.pk, receiving.empty_label)


class CertificatesField(forms.ModelMultipleChoiceField):
    widget = LongCheckboxes

    def _check_values(self, value):
        # An id no database column holds (SQLite raises OverflowError on it) is refused before the query.
        if not all(_column_id(v) for v in value):
            raise forms.ValidationError("所选证书无效，请重新选择。", code="invalid_choice")
        return super()._check_values(value)

    def label_from_instance(self, c):
        status = "" if c.status == CertificateStatus.NORMAL else f" · {c.get_status_display()}"
        return (
            f"{c.holder.name}（{c.holder.masked_id_number}）· {c.get_kind_display()} {c.number}"
            f" · 第{c.edition}版{status}"
        )


class CertificateApplicationForm(CorrectionMixin, ScanFormMixin, forms.Form):
    """Certificates of one person at the institution, with no open application for that person. A
    correction after 退回 keeps the certificates and may change every other field and scan."""

    process = None  # set by each form below
    detached_ok = False  # 注销 also takes the 调离 certificates of the institution's people

    certificates = CertificatesField(label="证书", queryset=PostCertificate.objects.none())

    def __init__(self, *args, institution, search: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(scan_fields(self.process.filer_scans))
        open_application = Application.objects.open().filter(person=OuterRef("holder"))
        held = Q(institution=institution, status__in=LIVE_STATUSES)
        if self.detached_ok:
            held |= Q(status=CertificateStatus.DETACHED)  # 调离: the certificate has no institution
        # The institution's own people (a certificate follows its holder), in name order: the
        # people's (institution, name) index gives the first ones without reading the others.
        certificates = (
            PostCertificate.objects.filter(held, holder__institution=institution)
            .exclude(Exists(open_application))
            .select_related("holder")
            .order_by("holder__name", "kind", "pk")
        )
        self.fields["certificates"].queryset = certificates
        self.offered = Offered(self.fields["certificates"], search, _posted_ids(self, "certificates"))

    def clean_certificates(self):
        certificates = list(self.cleaned_data["certificates"])
        if len({c.holder_id for c in certificates}) > 1:
            raise forms.ValidationError("一次只能为同一人员的证书提出申请。")
        return certificates


class ReissueForm(CertificateApplicationForm):
    """添加补办."""

    process = REISSUE
    correctable = ("reason",)

    reason = forms.CharField(label="补证原因", widget=forms.Textarea(attrs={"rows": 3}), max_length=500)


class CancellationForm(CertificateApplicationForm):
    """添加注销."""

    process = CANCELLATION
    detached_ok = True
    correctable = ("reason", "holder_agrees")

    reason = forms.CharField(label="注销原因", widget=forms.Textarea(attrs={"rows": 3}), max_length=500)
    holder_agrees = forms.TypedChoiceField(
        label="本人是否同意注销",
        choices=[("yes", "是"), ("no", "否")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )

    def correction_initial(self, application) -> dict:
        return {"reason": application.reason, "holder_agrees": "yes" if application.holder_agrees else "no"}


class CertificateFilterForm(SearchForm):
    """证书信息's filters: the search box and a status."""

    status = forms.ChoiceField(
        label="证书状态", choices=[("", "全部"), *CertificateStatus.choices], required=False
    )


class PrintQueueFilterForm(SearchForm):
    """证书打印's filters: a state tab (待打印 when none), the destination city and the kind."""

    state = forms.ChoiceField(label="状态", choices=PrintTask.State.choices, required=False)
    city = forms.ModelChoiceField(label="寄往", queryset=City.objects.all(), required=False)
    kind = forms.ChoiceField(label="类别", choices=Kind.choices, required=False)


class DeliveryFilterForm(forms.Form):
    state = forms.ChoiceField(
        label="状态", choices=[("sent", "待发放"), ("delivered", "已发放")], required=False
    )


class RecoveryFilterForm(forms.Form):
    state = forms.ChoiceField(label="状态", choices=Recovery.State.choices, required=False)
    sort = forms.ChoiceField(label="排序", choices=[("waiting", "等待最久")], required=False)
    due = forms.ChoiceField(label="办理时限", choices=DEADLINE_FILTERS, required=False)


class RevocationForm(ScanFormMixin, forms.Form):
    """省质监总站 注销 a person's certificates directly: which ones, why, and the decision's scans."""

    certificates = CertificatesField(label="注销证书", queryset=PostCertificate.objects.none())
    reason = forms.CharField(
        label="注销原因",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=500,
        help_text="将作为省质监总站的审核意见记录，并在公告中注明证书注销。",
    )

    def __init__(self, *args, holder, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(scan_fields(CANCELLATION.province_scans))
        self.fields["certificates"].queryset = (
            PostCertificate.objects.filter(holder=holder, status__in=LIVE_STATUSES)
            .select_related("holder")
            .order_by("-kind")
        )
