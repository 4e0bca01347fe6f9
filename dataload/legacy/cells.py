"""Parsers for single cells: each takes the value as read and returns it normalised, or raises
`ValidationError` with the message shown to the user. Pure: no database access.

Dates may be Excel dates, Excel serial numbers, or text YYYY-MM-DD, YYYY/MM/DD or YYYY年MM月DD日.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable

from django.core.exceptions import ValidationError
from openpyxl.utils.datetime import from_excel

from certificates.models import PostCertificate
from institutions.validators import validate_credit_code
from personnel.models import Person
from personnel.validators import validate_id_number

from .columns import plain

CERTIFICATE_NUMBER_MAX_LENGTH = PostCertificate._meta.get_field("number").max_length
_DATE_PATTERNS = tuple(
    re.compile(pattern)
    for pattern in (
        r"(\d{4})-(\d{1,2})-(\d{1,2})",
        r"(\d{4})/(\d{1,2})/(\d{1,2})",
        r"(\d{4})年(\d{1,2})月(\d{1,2})日",
    )
)


def _required(text: str) -> str:
    if not text:
        raise ValidationError("不能为空")
    return text


def _code(value: object) -> str:
    """A cell holding a code that must be text: an 18-digit number is beyond a float's precision."""
    if isinstance(value, float):
        raise ValidationError("以数字格式保存，可能已丢失精度：请将此列设为文本格式后重新导出")
    return plain(value)


def _required_code(value: object, validate: Callable[[str], str]) -> str:
    return validate(_required(_code(value)))


def text(value: object, max_length: int, required: bool = False) -> str:
    result = plain(value)
    if required:
        _required(result)
    if len(result) > max_length:
        raise ValidationError(f"不能超过 {max_length} 个字")
    return result


def credit_code(value: object) -> str:
    return _required_code(value, validate_credit_code)


def id_number(value: object) -> str:
    return _required_code(value, validate_id_number)


def city(value: object, cities: frozenset[str]) -> str:
    name = _required(plain(value))
    for candidate in (name, name + "市"):
        if candidate in cities:
            return candidate
    raise ValidationError(f"未知的省辖市“{name}”")


def gender(value: object, from_id_number: str) -> None:
    """性别 is optional: the ID number decides; a given value must agree with it."""
    given = plain(value)
    if given and given not in Person.Gender.values:
        raise ValidationError("应为“男”或“女”")
    if given and from_id_number and given != from_id_number:
        raise ValidationError(f"与身份证号不符（身份证号显示为{from_id_number}）")


def certificate_number(value: object) -> str:
    number = _code(value)
    if len(number) > CERTIFICATE_NUMBER_MAX_LENGTH:
        raise ValidationError(f"证书编号不能超过 {CERTIFICATE_NUMBER_MAX_LENGTH} 个字符")
    if any(char.isspace() for char in number):
        raise ValidationError("证书编号中不能有空格")
    return number


def date(value: object, label: str = "发证日期") -> datetime.date | None:
    """A 发证日期 or another past date named ``label`` (see the module docstring), None for an empty
    cell; never later than today."""
    if isinstance(value, datetime.datetime):
        parsed = value.date()
    elif isinstance(value, datetime.date):
        parsed = value
    elif isinstance(value, int | float):
        parsed = _excel_serial_date(value)
    else:
        written = plain(value)
        if not written:
            return None
        parsed = _text_date(written)
    if parsed > datetime.date.today():
        raise ValidationError(f"{label}不能晚于今天")
    return parsed


def _excel_serial_date(value: float) -> datetime.date:
    try:
        return from_excel(value).date()
    except (ValueError, OverflowError, AttributeError) as exc:
        raise ValidationError(f"无法识别的日期“{plain(value)}”") from exc


def _text_date(written: str) -> datetime.date:
    for pattern in _DATE_PATTERNS:
        if match := pattern.fullmatch(written):
            try:
                return datetime.date(*map(int, match.groups()))
            except ValueError as exc:
                raise ValidationError(f"日期“{written}”不存在") from exc
    raise ValidationError(f"无法识别的日期“{written}”：应为 YYYY-MM-DD、YYYY/MM/DD 或 YYYY年MM月DD日")
