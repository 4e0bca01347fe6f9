import re
from datetime import date

from django import forms

from . import deadlines

MAX_LIMIT = 60  # working days: three months, far beyond any step's rule


class LimitsForm(forms.Form):
    """One field per declared step: its limit in working days."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for step in deadlines.STEPS.values():
            self.fields[step.code] = forms.IntegerField(
                label=step.label,
                min_value=1,
                max_value=MAX_LIMIT,
                initial=deadlines.limit(step.code),
                help_text=f"默认 {step.default_days} 个工作日",
                error_messages={
                    "min_value": "时限至少为 1 个工作日。",
                    "max_value": f"时限不能超过 {MAX_LIMIT} 个工作日。",
                    "invalid": "请输入工作日天数（整数）。",
                    "required": "请填写时限。",
                },
            )


class DatesField(forms.CharField):
    """Dates of one year, one per line (or separated by spaces, commas or 、): 2027-02-06."""

    widget = forms.Textarea(attrs={"rows": 8})

    def __init__(self, *args, year: int, **kwargs):
        self.year = year
        super().__init__(*args, required=False, max_length=4000, **kwargs)

    def to_python(self, value):
        text = super().to_python(value)
        found = []
        for token in re.split(r"[\s,，、;；]+", text.strip()):
            if not token:
                continue
            try:
                day = date.fromisoformat(token)
            except ValueError:
                raise forms.ValidationError(f"“{token[:20]}”不是日期，请按 2027-02-06 的格式填写。") from None
            if day.year != self.year:
                raise forms.ValidationError(f"{day.isoformat()} 不在 {self.year} 年。")
            found.append(day)
        return sorted(set(found))


class HolidayTableForm(forms.Form):
    """A year's holidays and make-up working days (调休上班日), as the State Council's notice gives them."""

    holidays = forms.Field()  # replaced in __init__ (the year bounds the dates)
    workdays = forms.Field()

    def __init__(self, *args, year: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["holidays"] = DatesField(
            label="放假日期",
            year=year,
            help_text="国务院办公厅通知中的每个放假日（含与周末相连的日期），每行一个",
        )
        self.fields["workdays"] = DatesField(
            label="调休上班日期", year=year, help_text="通知中须上班的周六、周日，每行一个"
        )

    def clean(self):
        data = super().clean()
        holidays, workdays = data.get("holidays") or [], data.get("workdays") or []
        both = sorted(set(holidays) & set(workdays))
        if both:
            raise forms.ValidationError(f"{both[0].isoformat()} 不能既放假又调休上班。")
        weekdays = [d for d in workdays if d.weekday() < 5]
        if weekdays:
            self.add_error("workdays", f"{weekdays[0].isoformat()} 本是工作日，调休上班日应为周六或周日。")
        return data
