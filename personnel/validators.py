"""Chinese resident identity card numbers (居民身份证号码, GB 11643-1999).

An ID number has 18 characters: a 6-digit region code, an 8-digit birth date (YYYYMMDD), a 3-digit
sequence number whose last digit is odd for men and even for women, and a check character computed
from the first 17 digits (ISO 7064 MOD 11-2; "X" stands for 10).

These functions are pure Python so they can be used by model fields, forms, imports and the demo data
generator alike.
"""

from __future__ import annotations

import datetime
import re

from django.core.exceptions import ValidationError

ID_NUMBER_LENGTH = 18
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"

# First two digits of the region code: the province-level divisions of GB/T 2260, by region
# (华北, 东北, 华东, 中南, 西南, 西北, 台湾, 港澳).
_PROVINCE_RANGES = ((11, 15), (21, 23), (31, 37), (41, 46), (50, 54), (61, 65), (71, 71), (81, 82))
PROVINCE_CODES = frozenset(str(code) for first, last in _PROVINCE_RANGES for code in range(first, last + 1))
# Nobody alive today was born before this; older dates are typos.
EARLIEST_BIRTH_DATE = datetime.date(1900, 1, 1)

_SHAPE = re.compile(r"\d{17}[\dX]")


def normalize_id_number(value) -> str:
    """Return the ID number stripped of surrounding whitespace with a trailing "x" upper-cased.

    Does not validate; `None` becomes "".
    """
    return str(value if value is not None else "").strip().upper()


def id_check_char(first17: str) -> str:
    """Return the GB 11643 check character for 17 digits."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError(f"expected 17 digits, got {first17!r}")
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def validate_id_number(value) -> str:
    """Validate an 18-character resident ID number and return its normalised form.

    Raises `ValidationError` (codes: invalid_length, invalid_format, invalid_region, invalid_birth_date,
    invalid_checksum) with a message that a clerk can act on. The return value is ignored when used as
    a Django field validator; callers that store the value should store `normalize_id_number(value)`.
    """
    number = normalize_id_number(value)
    if len(number) != ID_NUMBER_LENGTH:
        raise ValidationError("身份证号应为18位", code="invalid_length")
    # isascii(): str.isdigit() also accepts full-width and other scripts' digits.
    if not number.isascii() or not _SHAPE.fullmatch(number):
        raise ValidationError("身份证号前17位应为数字，最后一位应为数字或X", code="invalid_format")
    if number[:2] not in PROVINCE_CODES:
        raise ValidationError("身份证号中的地区码无效", code="invalid_region")
    if _birth_date(number) is None:
        raise ValidationError("身份证号中的出生日期无效", code="invalid_birth_date")
    if id_check_char(number[:17]) != number[17]:
        raise ValidationError("身份证号校验位错误", code="invalid_checksum")
    return number


def mask_id_number(value) -> str:
    """Mask an ID number for display: first 4 and last 4 characters kept, e.g. "3201**********0012".

    Never raises; a value too short to keep both ends is masked completely so nothing leaks.
    """
    number = normalize_id_number(value)
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def birth_date_and_gender(value) -> tuple[datetime.date, str]:
    """Return (birth date, "男" or "女") read from a valid ID number; raises `ValidationError` otherwise."""
    number = validate_id_number(value)
    birth = _birth_date(number)
    assert birth is not None  # guaranteed by validate_id_number
    return birth, "男" if int(number[16]) % 2 else "女"


def _birth_date(number: str) -> datetime.date | None:
    """The birth date in positions 7-14, or None when it is not a real, plausible date."""
    try:
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None
    if not EARLIEST_BIRTH_DATE <= birth <= datetime.date.today():
        return None
    return birth
