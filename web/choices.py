"""``get_<field>_display`` for the fields a long list shows on every row.

Django's generated method rebuilds a dict of the field's choices on every call (``make_hashable`` over
every choice); a 20-row list calls it once or twice a row. ``label_of`` builds the dict once, and answers
as Django's does: the choice's label, or the value itself when it is not a choice. Declared in the model's
body, it takes the place of Django's (which is only added when the class does not define one).
"""

from collections.abc import Callable


def label_of(field: str, choices) -> Callable:
    labels = dict(choices)

    def get_display(self) -> str:
        value = getattr(self, field)
        return labels.get(value, value)

    get_display.__name__ = f"get_{field}_display"
    get_display.__doc__ = f"The label of ``{field}`` (its choices read once)."
    return get_display
