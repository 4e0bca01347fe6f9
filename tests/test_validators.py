"""Resident ID numbers (GB 11643-1999) and unified social credit codes (GB 32100-2015). No database."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from institutions.validators import credit_code_check_char, normalize_credit_code, validate_credit_code
from personnel.validators import (
    birth_date_and_gender,
    id_check_char,
    mask_id_number,
    normalize_id_number,
    validate_id_number,
)

DEMO_ID_NUMBERS = [
    "320102198503120012",
    "32050619900723002X",
    "320203198801150035",
    "320106199211300046",
    "320583198706060056",
    "320111199502180065",
    "320502198309090077",
    "320211199104010082",
]


def _code(error: pytest.ExceptionInfo) -> str:
    return error.value.code


# --- resident ID numbers -------------------------------------------------------------------------


@pytest.mark.parametrize("number", DEMO_ID_NUMBERS)
def test_it_accepts_every_demo_id_number(number):
    assert validate_id_number(number) == number


def test_it_accepts_a_lowercase_x_and_normalises_it():
    assert validate_id_number(" 32050619900723002x ") == "32050619900723002X"
    assert normalize_id_number("32050619900723002x\n") == "32050619900723002X"


def test_it_computes_the_check_character_with_the_gb11643_weights():
    # 3*7+2*9+0*10+1*5+0*8+2*4+1*2+9*1+8*6+5*3+0*7+3*9+1*10+2*5+0*8+0*4+1*2 = 175; 175 % 11 = 10 -> "2"
    assert id_check_char("32010219850312001") == "2"
    assert id_check_char("32050619900723002") == "X"
    with pytest.raises(ValueError):
        id_check_char("3201021985031200")


@pytest.mark.parametrize(
    ("number", "code", "message"),
    [
        ("320102198503120013", "invalid_checksum", "身份证号校验位错误"),
        ("320506199007230021", "invalid_checksum", "身份证号校验位错误"),
        ("32010219850312001", "invalid_length", "身份证号应为18位"),
        ("3201021985031200122", "invalid_length", "身份证号应为18位"),
        ("", "invalid_length", "身份证号应为18位"),
        ("32010219850312001Y", "invalid_format", "身份证号前17位应为数字，最后一位应为数字或X"),
        ("3201021985031200X2", "invalid_format", "身份证号前17位应为数字，最后一位应为数字或X"),
        ("３20102198503120012", "invalid_format", "身份证号前17位应为数字，最后一位应为数字或X"),
        ("000000198503120012", "invalid_region", "身份证号中的地区码无效"),
        ("990102198503120012", "invalid_region", "身份证号中的地区码无效"),
        ("320102198502300012", "invalid_birth_date", "身份证号中的出生日期无效"),
        ("320102198513010012", "invalid_birth_date", "身份证号中的出生日期无效"),
        ("320102189912310012", "invalid_birth_date", "身份证号中的出生日期无效"),
    ],
)
def test_it_rejects_invalid_id_numbers_with_a_chinese_message(number, code, message):
    with pytest.raises(ValidationError) as error:
        validate_id_number(number)
    assert _code(error) == code
    assert error.value.messages == [message]


def test_it_rejects_a_birth_date_in_the_future():
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    first17 = f"320102{tomorrow:%Y%m%d}001"
    with pytest.raises(ValidationError) as error:
        validate_id_number(first17 + id_check_char(first17))
    assert _code(error) == "invalid_birth_date"


def test_it_accepts_29_february_only_in_leap_years():
    leap = "32010220000229001"
    assert validate_id_number(leap + id_check_char(leap))
    not_leap = "32010219990229001"
    with pytest.raises(ValidationError):
        validate_id_number(not_leap + id_check_char(not_leap))


def test_it_rejects_none():
    with pytest.raises(ValidationError):
        validate_id_number(None)


def test_it_masks_an_id_number_keeping_four_characters_at_each_end():
    assert mask_id_number("320102198503120012") == "3201**********0012"
    assert mask_id_number("32050619900723002x") == "3205**********002X"
    assert mask_id_number("1234") == "****"
    assert mask_id_number(None) == ""


def test_it_reads_birth_date_and_gender_from_the_17th_digit():
    assert birth_date_and_gender("320102198503120012") == (datetime.date(1985, 3, 12), "男")
    assert birth_date_and_gender("32050619900723002X") == (datetime.date(1990, 7, 23), "女")
    assert birth_date_and_gender("320583198706060056") == (datetime.date(1987, 6, 6), "男")
    assert birth_date_and_gender("320211199104010082") == (datetime.date(1991, 4, 1), "女")
    with pytest.raises(ValidationError):
        birth_date_and_gender("320102198503120013")


# --- unified social credit codes -----------------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100Y43",
        "91110108MA01C4YX6H",  # check character computed; "…6B" below is the same code mistyped
        "91320000134761530H",
        "12320000466000012B",
    ],
)
def test_it_accepts_valid_credit_codes(code):
    assert validate_credit_code(code) == code


def test_it_computes_the_credit_code_check_character():
    assert credit_code_check_char("91350100M000100Y4") == "3"
    assert credit_code_check_char("91110108MA01C4YX6") == "H"
    assert credit_code_check_char("91110108ma01c4yx6") == "H"
    assert credit_code_check_char("10000000000000000") == "Y"  # 31 - 1 = 30 -> "Y"
    assert credit_code_check_char("00000000000000000") == "0"  # sum divisible by 31 -> "0", not index 31
    with pytest.raises(ValueError):
        credit_code_check_char("91350100M000100Y")
    with pytest.raises(ValueError):
        credit_code_check_char("91350100M000100YI")


def test_it_generates_codes_that_validate():
    for first17 in ("12320100MB1234567", "52320000509999999", "Y1320500000000001", "N2320583MF0000010"):
        code = first17 + credit_code_check_char(first17)
        assert validate_credit_code(code) == code


def test_it_accepts_a_lowercase_credit_code_and_normalises_it():
    assert validate_credit_code(" 91350100m000100y43 ") == "91350100M000100Y43"
    assert normalize_credit_code("91350100m000100y43") == "91350100M000100Y43"


@pytest.mark.parametrize(
    ("code", "error_code", "message"),
    [
        ("91350100M000100Y44", "invalid_checksum", "统一社会信用代码校验位错误"),
        ("91110108MA01C4YX6B", "invalid_checksum", "统一社会信用代码校验位错误"),
        # Quoted as a real code but fails GB 32100: the check character for 91350211M0000XUF4 is "R".
        ("91350211M0000XUF46", "invalid_checksum", "统一社会信用代码校验位错误"),
        ("91350100M000100Y4", "invalid_length", "统一社会信用代码应为18位"),
        ("", "invalid_length", "统一社会信用代码应为18位"),
        (
            "91350100M000100I43",
            "invalid_chars",
            "统一社会信用代码只能包含数字和大写字母（不含 I、O、Z、S、V）",
        ),
        (
            "91350100M0001OOY43",
            "invalid_chars",
            "统一社会信用代码只能包含数字和大写字母（不含 I、O、Z、S、V）",
        ),
        ("B1350100M000100Y43", "invalid_authority", "统一社会信用代码第1位（登记管理部门代码）无效"),
        ("94350100M000100Y43", "invalid_category", "统一社会信用代码第2位（机构类别代码）无效"),
        ("Y2350100M000100Y43", "invalid_category", "统一社会信用代码第2位（机构类别代码）无效"),
        ("9135A100M000100Y43", "invalid_region", "统一社会信用代码第3-8位（行政区划码）应为数字"),
    ],
)
def test_it_rejects_invalid_credit_codes_with_a_chinese_message(code, error_code, message):
    with pytest.raises(ValidationError) as error:
        validate_credit_code(code)
    assert _code(error) == error_code
    assert error.value.messages == [message]
