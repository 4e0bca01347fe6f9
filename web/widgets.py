"""``LongSelect`` and ``LongCheckboxes``: a ``<select>`` or a list of check boxes of many options
written directly, as Django's templates write them.

Django renders every option through templates (``select_option.html`` or ``input_option.html``, with
``input.html`` and ``attrs.html``): about 0.2 ms an option, so the 1,500 institutions of the province
(添加变更's 调入机构) took 0.3 s per page, and the 50 certificates a filing form offers 10 ms. These
widgets read the same choices, values and selection as Django's ``ChoiceWidget.optgroups`` and write
the markup of those templates themselves; the output is the same HTML, whitespace aside.
"""

import functools

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


def _option(value, label, selected=False) -> str:
    mark = " selected" if selected else ""
    return f'<option value="{text(value)}"{mark}>{text(label)}</option>'


def write_options(choices) -> str:
    """(value, label) pairs as the ``<option>``s ``LongSelect`` writes, none selected: a long list that
    changes seldom is written once and kept, then drawn with ``leave_out`` and ``select_written``."""
    return "".join(_option(value, label) for value, label in choices)


def _start(options: str, value) -> int:
    return options.find(f'<option value="{text(value)}">')


def leave_out(options: str, value) -> str:
    """``options`` (from ``write_options``) without the one of ``value``."""
    at = _start(options, value)
    if at < 0:
        return options
    end = options.index("</option>", at) + len("</option>")
    return options[:at] + options[end:]


def select_written(options: str, values) -> str:
    """``options`` (from ``write_options``) with the first of them whose value is in ``values`` marked
    selected, as ``LongSelect`` marks it."""
    found = [at for at in map(functools.partial(_start, options), values) if at >= 0]
    if not found:
        return options
    at = options.index(">", min(found))
    return options[:at] + " selected" + options[at:]


class LongSelect(forms.Select):
    """Choices with a ``written(values)`` method give their options already written (a long list kept
    as HTML, see ``write_options``); others are written here from their values and labels."""

    def render(self, name, value, attrs=None, renderer=None):
        # What Select.get_context gives the template, without a dict per option.
        attrs = self.build_attrs(self.attrs, attrs)
        values = set(self.format_value(value))
        parts = [f'<select name="{text(name)}"', _attrs(attrs), ">"]
        written = getattr(self.choices, "written", None)
        if written is not None:
            return mark_safe("".join([*parts, written(values), "</select>"]))
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
                parts.append(_option(option_value, option_label, selected))
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
