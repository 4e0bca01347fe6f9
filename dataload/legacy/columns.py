"""The export's columns (docs/legacy-import.md) and how a cell reads as text.

Pure: no I/O, no database. Every other module names columns through these constants.
"""

from __future__ import annotations

from institutions.models import Kind

INSTITUTION, CREDIT_CODE, CITY = "机构名称", "统一社会信用代码", "所在市"
NAME, ID_NUMBER, GENDER, EDUCATION, TITLE, PHONE = "姓名", "身份证号", "性别", "学历", "职称", "联系电话"
CERTIFICATE_COLUMNS = {Kind.JC: ("建材证书编号", "建材发证日期"), Kind.DJ: ("地基证书编号", "地基发证日期")}
HIRED_ON = "入职日期"  # when the person joined the row's institution: the start of their 从业履历 there
COLUMNS = (
    *(INSTITUTION, CREDIT_CODE, CITY, NAME, ID_NUMBER, GENDER, EDUCATION, TITLE, PHONE),
    *CERTIFICATE_COLUMNS[Kind.JC],
    *CERTIFICATE_COLUMNS[Kind.DJ],
    HIRED_ON,
)
OPTIONAL_COLUMNS = frozenset({GENDER, EDUCATION, TITLE, PHONE, HIRED_ON})
COLUMN_ORDER = {column: index for index, column in enumerate(COLUMNS)}


def plain(value: object) -> str:
    """A cell as stripped text; whole floats lose their ".0" (Excel stores phone numbers as floats)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()
