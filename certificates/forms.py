from django import forms
from django.db.models import Exists, OuterRef

from institutions.models import Institution
from personnel.models import Person
from reviews.forms import ScanField, ScanFormMixin
from reviews.models import OPEN_STATES, AttachmentType, Request

from .models import LIVE_STATUSES


class TransferForm(ScanFormMixin, forms.Form):
    """添加变更: the person to transfer out, the 调入机构 and the 解除劳动关系证明."""

    person = forms.ModelChoiceField(
        label="调离人员", queryset=Person.objects.none(), empty_label="请选择人员"
    )
    receiving_institution = forms.ModelChoiceField(
        label="调入机构", queryset=Institution.objects.none(), empty_label="请选择调入机构"
    )
    termination = ScanField(AttachmentType.TERMINATION)

    def __init__(self, *args, institution, **kwargs):
        super().__init__(*args, **kwargs)
        open_request = Request.objects.filter(person=OuterRef("pk"), state__in=OPEN_STATES)
        self.fields["person"].queryset = (
            Person.objects.filter(institution=institution, certificates__status__in=LIVE_STATUSES)
            .exclude(Exists(open_request))
            .distinct()
            .order_by("name")
        )
        self.fields["person"].label_from_instance = lambda p: f"{p.name}（{p.masked_id_number}）"
        self.fields["receiving_institution"].queryset = (
            Institution.objects.active()
            .exclude(pk=institution.pk)
            .select_related("city")
            .order_by("city__order", "name")
        )
        self.fields["receiving_institution"].label_from_instance = lambda i: f"{i.name}（{i.city}）"
