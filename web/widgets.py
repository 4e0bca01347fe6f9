"""``LongSelect`` and ``LongCheckboxes``: a ``<select>`` or a list of check boxes of many options
written directly, as Django's templates write them.

Django renders every option through templates (``select_option.html`` or ``input_option.html``, with
``input.html`` and ``attrs.html``): about 0.2 ms an option, so the 1,500 institutions of the province
(添加变更's 调入机构) took 0.3 s per page, and the 50 certificates a filing form offers 10 ms. These
widgets read the same choices, values and selection as Django's ``ChoiceWidget.optgroups`` and write
the markup of those templates themselves; the output is the same HTML, whitespace aside.
"""

from django import forms
from django.utils.safestring import mark_safe

from .html import text


def _attrs(attrs: dict) -> str:
    """attrs.html: ``name="value"``, a bare name for True, nothing for False."""
    return "".join(
        f" {text(name)}" if value is True else f' {text(name)}="{text(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


class LongSelect(forms.Select):
    def render(self, name, value, attrs=None, renderer=None):
        # What Select.get_context gives the template, without a dict per option.
        attrs = self.build_attrs(self.attrs, attrs)
        values = set(self.format_value(value))
        parts = [f'<select name="{text(name)}"', _attrs(attrs), ">"]
        chosen = False
        for group_value, group_label in self.choices:
            if group_value is None:
                group_value = ""
            group = isinstance(group_label, (list, tuple))
            if group:
                parts.append(f'<optgroup label="{text(group_value)}">')
            for option_value, option_label in group_label if group else [(group_value, group_label)]:
                selected = not chosen and str(option_value) in values
                chosen = chosen or selected
                mark = " selected" if selected else ""
                parts.append(f'<option value="{text(option_value)}"{mark}>{text(option_label)}</option>')
            if group:
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("".join(parts))


class LongCheckboxes(forms.CheckboxSelectMultiple):
    def render(self, name, value, attrs=None, renderer=None):
        # multiple_input.html and input_option.html, with CheckboxSelectMultiple's option attributes:
        # the widget's own, an id numbered by the option's place, ``checked`` when chosen.
        attrs = self.build_attrs(self.attrs, attrs)
        values = set(self.format_value(value))
        base_id = attrs.get("id")
        parts = ["<div", f' id="{text(base_id)}"' if base_id else ""]
        parts += [f' class="{text(attrs["class"])}"' if attrs.get("class") else "", ">"]
        for index, (group_value, group_label) in enumerate(self.choices):
            group_value = "" if group_value is None else group_value
            group = isinstance(group_label, (list, tuple))
            options = group_label if group else [(group_value, group_label)]
            if group and group_value:
                parts.append(f"<div><label>{text(group_value)}</label>")
            for subindex, (option_value, option_label) in enumerate(options):
                option_value = "" if option_value is None else option_value
                option = dict(attrs)
                if base_id:
                    option["id"] = f"{base_id}_{index}_{subindex}" if group else f"{base_id}_{index}"
                if str(option_value) in values:
                    option["checked"] = True
                label_for = f' for="{text(option["id"])}"' if option.get("id") else ""
                parts.append(
                    f'<div><label{label_for}><input type="checkbox" name="{text(name)}"'
                    f' value="{text(option_value)}"{_attrs(option)}> {text(option_label)}</label></div>'
                )
            if group and group_value:
                parts.append("</div>")
        parts.append("</div>")
        return mark_safe("".join(parts))
