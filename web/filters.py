"""The query parameters of a list page, read through a small form: a bad value is a clear 400.

Every list page declares the parameters it reads (``q``, a status, a city …) as a ``forms.Form`` and
reads them with ``read_filters``. A value the form refuses (a NUL byte, a number out of range, a status
that does not exist, a search longer than any column) is answered with the 400 page naming the filter,
never passed to the database. Pagination cursors are not filters: ``web/pages.py`` ignores foreign ones.
"""

from django import forms
from django.core.exceptions import BadRequest

SEARCH_MAX_LENGTH = 100


class InvalidQuery(BadRequest):
    """A request the user can correct; its message (Chinese) is shown on the 400 page."""


class SearchForm(forms.Form):
    """The search box every list has; subclasses add their own filters."""

    q = forms.CharField(label="查询内容", max_length=SEARCH_MAX_LENGTH, required=False)


class IdListField(forms.Field):
    """Checked rows (``ids``): a list of positive database ids in plain ASCII digits."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        values = value if isinstance(value, list | tuple) else [value] if value else []
        if not all(isinstance(v, str) and v.isascii() and v.isdigit() and 0 < len(v) <= 18 for v in values):
            raise forms.ValidationError("所选记录无效。")
        return [int(v) for v in values]


class SelectionForm(forms.Form):
    ids = IdListField(label="所选记录", required=False)


def read_filters(data, form_class, **kwargs) -> dict:
    """The cleaned values of ``form_class`` bound to ``data`` (``request.GET``); InvalidQuery if refused."""
    form = form_class(data, **kwargs)
    if not form.is_valid():
        labels = "、".join(f"“{form.fields[name].label}”" for name in form.errors if name in form.fields)
        raise InvalidQuery(f"查询条件{labels or ''}无效，请修改后重新查询。")
    return form.cleaned_data
