"""The old system's institution records, one file per kind (docs/legacy-import.md): accounts (登录账号),
qualifications (资质) and 检测能力. The kind is told by the header row.

Like the people file, the whole file is checked first (each cell, repeats within the file, the database)
and any error writes nothing; what exists is skipped, never modified. Each row names its institution by
统一社会信用代码, which must already be in the system (the people file, or the province, created it).

Imported accounts keep their usernames but no password (an unusable one: the old system's passwords are
neither read nor kept) and must change it at first login: the institution asks the province, which gives
a one-time password from 账号管理 → 重置密码. No password is ever printed or logged.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from audit.events import Kind as EventKind
from audit.events import record
from institutions.credentials import validate_mobile, validate_username
from institutions.models import Capability, Institution, Kind, Qualification, User

from . import cells
from .columns import plain
from .errors import ImportRejected, RowError
from .reader import LegacyFile

CREDIT_CODE = "统一社会信用代码"
USERNAME, FULL_NAME, MOBILE = "用户名", "姓名", "手机"
KIND, NUMBER, VALID_FROM, VALID_UNTIL = "资质类别", "资质证书编号", "有效期起", "有效期至"
CATEGORY, ITEM, PARAMETERS = "检测类别", "检测项目", "检测参数"
KINDS = {label: value for value, label in Kind.choices}


@dataclass(frozen=True)
class RecordKind:
    name: str  # 登录账号 / 资质 / 检测能力
    columns: tuple[str, ...]
    optional: frozenset[str]
    marker: str  # the column that tells this kind of file


ACCOUNTS = RecordKind(
    "登录账号", (CREDIT_CODE, USERNAME, FULL_NAME, MOBILE), frozenset({FULL_NAME, MOBILE}), USERNAME
)
QUALIFICATIONS = RecordKind("资质", (CREDIT_CODE, KIND, NUMBER, VALID_FROM, VALID_UNTIL), frozenset(), NUMBER)
CAPABILITIES = RecordKind(
    "检测能力", (CREDIT_CODE, KIND, CATEGORY, ITEM, PARAMETERS), frozenset({PARAMETERS}), ITEM
)
RECORD_KINDS = (ACCOUNTS, QUALIFICATIONS, CAPABILITIES)


def record_kind(path: str | Path) -> RecordKind | None:
    """The kind of institution-record file by its header, or None for the people file."""
    with LegacyFile(path, columns=(), optional=frozenset()) as source:
        header = set(source.header)
    return next((kind for kind in RECORD_KINDS if kind.marker in header), None)


@dataclass
class Summary:
    kind: RecordKind
    rows: int = 0
    created: int = 0
    skipped: list[int] = field(default_factory=list)
    notes: list[RowError] = field(default_factory=list)
    dry_run: bool = False


def _date(value: object) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float):
        return cells._excel_serial_date(value)
    written = plain(value)
    if not written:
        raise ValidationError("不能为空")
    return cells._text_date(written)


def _kind(value: object) -> str:
    label = plain(value)
    if label not in KINDS:
        raise ValidationError("应为“建材”或“地基”")
    return KINDS[label]


class _Row:
    """Collects the parsed cells of one row and its errors."""

    def __init__(self, number: int, values: dict, errors: list[RowError]):
        self.number, self.values, self.errors, self.ok = number, values, errors, True

    def cell(self, column: str, parse: Callable[[object], object]):
        try:
            return parse(self.values.get(column))
        except ValidationError as error:
            self.errors.append(RowError(self.number, column, "；".join(error.messages)))
            self.ok = False
            return None


def _text(max_length: int, required: bool = False) -> Callable[[object], str]:
    return lambda value: cells.text(value, max_length, required)


def _validated(validator, max_length: int, required: bool = True) -> Callable[[object], str]:
    def parse(value):
        result = cells.text(value, max_length, required)
        if result:
            validator(result)
        return result

    return parse


def run(path: str | Path, kind: RecordKind, *, dry_run: bool = False) -> Summary:
    """Check the whole file, then (unless ``dry_run``) create what is new in one transaction.
    Raises ImportRejected with every error; nothing is written then."""
    institutions = {code: pk for code, pk in Institution.objects.values_list("credit_code", "pk")}
    errors: list[RowError] = []
    parsed = []
    with LegacyFile(path, columns=kind.columns, optional=kind.optional) as source:
        for source_row in source:
            row = _Row(source_row.number, source_row.values, errors)
            code = row.cell(CREDIT_CODE, cells.credit_code)
            if code and code not in institutions:
                errors.append(
                    RowError(
                        row.number, CREDIT_CODE, "系统中没有此统一社会信用代码的检测机构（请先导入人员文件）"
                    )
                )
                row.ok = False
            data = {"institution_id": institutions.get(code)}
            if kind is ACCOUNTS:
                data["username"] = row.cell(USERNAME, _validated(validate_username, 150))
                data["full_name"] = row.cell(FULL_NAME, _text(50))
                data["phone"] = row.cell(MOBILE, _validated(validate_mobile, 11, required=False))
            elif kind is QUALIFICATIONS:
                data["kind"] = row.cell(KIND, _kind)
                data["number"] = row.cell(NUMBER, _text(50, required=True))
                data["valid_from"] = row.cell(VALID_FROM, _date)
                data["valid_until"] = row.cell(VALID_UNTIL, _date)
                if data["valid_from"] and data["valid_until"] and data["valid_until"] < data["valid_from"]:
                    errors.append(RowError(row.number, VALID_UNTIL, "有效期至不能早于有效期起"))
                    row.ok = False
            else:
                data["kind"] = row.cell(KIND, _kind)
                data["category"] = row.cell(CATEGORY, _text(100, required=True))
                data["item"] = row.cell(ITEM, _text(100, required=True))
                data["parameters"] = row.cell(PARAMETERS, _text(1000))
            parsed.append((row.number, data, row.ok))
    summary = Summary(kind=kind, rows=len(parsed), dry_run=dry_run)
    with transaction.atomic():
        new = _plan(kind, parsed, errors, summary)
        if errors:
            raise ImportRejected(errors)
        summary.created = len(new)
        if not dry_run:
            _write(kind, new)
    return summary


def _key(kind: RecordKind, data: dict):
    if kind is ACCOUNTS:
        return data["username"].lower()
    if kind is QUALIFICATIONS:
        return data["institution_id"], data["kind"]
    return data["institution_id"], data["kind"], data["category"], data["item"]


def _known(kind: RecordKind, institution_ids: set[int]) -> dict:
    """What the database holds for this kind, keyed like ``_key``, in one query."""
    if kind is ACCOUNTS:
        return {name.lower(): pk for name, pk in User.objects.values_list("username", "institution_id")}
    if kind is QUALIFICATIONS:
        rows = Qualification.objects.filter(institution_id__in=institution_ids)
        return {(q.institution_id, q.kind): q for q in rows}
    rows = Capability.objects.filter(institution_id__in=institution_ids)
    return {key: True for key in rows.values_list("institution_id", "kind", "category", "item")}


def _plan(kind, parsed, errors, summary) -> list[dict]:
    """Repeats within the file are errors; what the database holds is skipped (a note when it differs)."""
    known = _known(kind, {data["institution_id"] for _, data, ok in parsed if ok})
    column = {ACCOUNTS: USERNAME, QUALIFICATIONS: KIND, CAPABILITIES: ITEM}[kind]
    seen: dict = {}
    new = []
    for number, data, ok in parsed:
        if not ok:
            continue
        key = _key(kind, data)
        if key in seen:
            errors.append(RowError(number, column, f"与第 {seen[key]} 行重复"))
            continue
        seen[key] = number
        if key not in known:
            new.append(data)
        elif kind is ACCOUNTS and known[key] != data["institution_id"]:
            errors.append(RowError(number, USERNAME, "用户名已被系统中的其他账号使用"))
        else:
            summary.skipped.append(number)
            held = known[key]
            if kind is QUALIFICATIONS and (held.number, held.valid_until) != (
                data["number"],
                data["valid_until"],
            ):
                summary.notes.append(
                    RowError(
                        number,
                        NUMBER,
                        f"系统中已有此类资质（{held.number}，有效期至 {held.valid_until}），保持不变",
                    )
                )
    return new


def _write(kind, new: list[dict]) -> None:
    if kind is QUALIFICATIONS:
        Qualification.objects.bulk_create([Qualification(**data) for data in new])
    elif kind is CAPABILITIES:
        Capability.objects.bulk_create([Capability(**data) for data in new])
    else:
        for data in new:
            user = User(role=User.Role.INSTITUTION, must_change_password=True, **data)
            user.set_unusable_password()
            user.save()
            record(
                EventKind.ACCOUNT_CHANGED,
                username="manage.py import_legacy",
                obj=user,
                detail=f"从旧系统导入登录账号 {user.username}（{user.scope_label}），须由省质监总站重置密码后首次登录修改",
            )
