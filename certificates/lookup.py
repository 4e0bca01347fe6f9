"""The public look-up of a certificate by its number and its holder's name (证书查询, 人员信用查询).

Both must match, so numbers alone reveal nothing; and the look-ups of both pages count together against
one limit per client address, enough for any clerk and too few to harvest names.
"""

from dataclasses import dataclass

from django import forms
from django.http import HttpRequest

from web import throttle

from .models import PostCertificate

VERIFY_LIMIT, VERIFY_WINDOW = 30, 600


class LookupForm(forms.Form):
    number = forms.CharField(label="证书编号", max_length=30)
    name = forms.CharField(label="持证人姓名", max_length=50)


@dataclass
class Lookup:
    form: LookupForm
    throttled: bool = False  # over the limit: the page answers 429 and looks nothing up
    searched: bool = False
    certificate: PostCertificate | None = None


def look_up(request: HttpRequest, queryset=None, form_class=LookupForm) -> Lookup:
    """The certificate of ``queryset`` (default: all) whose number and holder's name are the query's."""
    form = form_class(request.GET or None)
    if not form.is_valid():
        return Lookup(form)
    if not throttle.allow(request, "verify", VERIFY_LIMIT, VERIFY_WINDOW):
        return Lookup(form, throttled=True)
    queryset = PostCertificate.objects.all() if queryset is None else queryset
    certificate = queryset.filter(
        number=form.cleaned_data["number"].strip().upper(), holder__name=form.cleaned_data["name"].strip()
    ).first()
    return Lookup(form, searched=True, certificate=certificate)
