"""Unified social credit codes (统一社会信用代码, GB 32100-2015).

A code has 18 characters from a 31-character set (digits and capitals without I, O, Z, S, V):

* 1st: registration authority (登记管理部门代码), e.g. "1" 机构编制, "5" 民政, "9" 工商;
* 2nd: institution category within that authority (机构类别代码), e.g. "12" 事业单位, "91" 企业;
* 3rd-8th: region code of the registering authority (GB/T 2260, six digits);
* 9th-17th: subject identifier (主体标识码, the former organisation code);
* 18th: check character, (31 - weighted sum mod 31) mod 31 mapped back onto the character set.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

CREDIT_CODE_LENGTH = 18
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUES = {char: index for index, char in enumerate(CHARSET)}

# Registration authority -> allowed institution categories (GB 32100-2015 annex A and its amendments,
# which added "A" and "N").
CATEGORIES_BY_AUTHORITY = {
    "1": "1239",  # 机构编制: 机关, 事业单位, 中央编办直管群众团体, 其他
    "2": "19",  # 外交: 外国常驻新闻机构, 其他
    "3": "123459",  # 司法行政: 律师执业机构, 公证处, 基层法律服务所, 司法鉴定机构, 仲裁委员会, 其他
    "4": "19",  # 文化: 外国在华文化中心, 其他
    "5": "1239",  # 民政: 社会团体, 民办非企业单位, 基金会, 其他
    "6": "129",  # 旅游: 外国及港澳台旅游部门常驻代表机构, 其他
    "7": "129",  # 宗教: 宗教活动场所, 宗教院校, 其他
    "8": "19",  # 工会: 基层工会, 其他
    "9": "123",  # 工商: 企业, 个体工商户, 农民专业合作社
    "A": "19",  # 中央军委改革和编制办公室: 军队事业单位, 其他
    "N": "1239",  # 农业: 组级、村级、乡镇级集体经济组织, 其他
    "Y": "1",  # 其他
}


def normalize_credit_code(value) -> str:
    """Return the code stripped of surrounding whitespace and upper-cased; does not validate."""
    return str(value if value is not None else "").strip().upper()


def credit_code_check_char(first17: str) -> str:
    """Return the check character for the first 17 characters of a credit code.

    Raises `ValueError` (not `ValidationError`: this is a helper for code, e.g. the demo data generator,
    not for user input) when `first17` is not 17 characters from the credit code character set.
    """
    first17 = first17.upper()
    if len(first17) != 17 or any(char not in _VALUES for char in first17):
        raise ValueError(f"expected 17 characters from {CHARSET!r}, got {first17!r}")
    total = sum(_VALUES[char] * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def validate_credit_code(value) -> str:
    """Validate a unified social credit code and return its normalised form.

    Raises `ValidationError` (codes: invalid_length, invalid_chars, invalid_authority, invalid_category,
    invalid_region, invalid_checksum). The return value is ignored when used as a Django field validator.
    """
    code = normalize_credit_code(value)
    if len(code) != CREDIT_CODE_LENGTH:
        raise ValidationError("统一社会信用代码应为18位", code="invalid_length")
    if any(char not in _VALUES for char in code):
        raise ValidationError(
            "统一社会信用代码只能包含数字和大写字母（不含 I、O、Z、S、V）", code="invalid_chars"
        )
    categories = CATEGORIES_BY_AUTHORITY.get(code[0])
    if categories is None:
        raise ValidationError("统一社会信用代码第1位（登记管理部门代码）无效", code="invalid_authority")
    if code[1] not in categories:
        raise ValidationError("统一社会信用代码第2位（机构类别代码）无效", code="invalid_category")
    if not code[2:8].isdigit():
        raise ValidationError("统一社会信用代码第3-8位（行政区划码）应为数字", code="invalid_region")
    if credit_code_check_char(code[:17]) != code[17]:
        raise ValidationError("统一社会信用代码校验位错误", code="invalid_checksum")
    return code
