"""A ``Dossier`` as the plain values of the PDF (``dossiers.pdf``): the same parts as the page."""

from __future__ import annotations

from django.utils import timezone

from .dossier import Dossier
from .pdf import DossierSheet, Section


def _date(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "hour"):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return value.strftime("%Y-%m-%d")


def sheet_for(dossier: Dossier) -> DossierSheet:
    person = dossier.person
    identity = [
        ("姓名", person.name),
        ("身份证号", dossier.id_number),
        ("性别", person.gender),
        ("出生日期", _date(person.birth_date)),
        ("学历", person.education),
        ("职称", person.title),
        ("所在机构", person.institution.name if person.institution else ""),
        ("联系电话", person.phone),
    ]
    sections = [
        Section(
            "从业履历",
            ["检测机构", "所在市", "起始日期", "终止日期", "来源"],
            [
                [
                    e.institution.name,
                    e.institution.city.name,
                    _date(e.start) or "不详",
                    _date(e.end) or "至今",
                    e.get_source_display(),
                ]
                for e in dossier.employments
            ],
            [0.38, 0.12, 0.15, 0.15, 0.20],
            empty="暂无从业履历",
        ),
        Section(
            "岗位合格证书",
            ["类别", "证书编号", "证书状态", "所在机构", "发证日期", "版次"],
            [
                [
                    c.certificate.get_kind_display(),
                    c.certificate.number,
                    c.certificate.get_status_display(),
                    c.certificate.institution.name if c.certificate.institution else "",
                    _date(c.certificate.issued_on),
                    f"第{c.certificate.edition}版",
                ]
                for c in dossier.certificates
            ],
            [0.08, 0.20, 0.12, 0.32, 0.15, 0.13],
            empty="无证书",
        ),
        Section(
            "证书纸质版",
            ["证书编号", "版次", "依据申请", "寄往", "状态", "打印 / 寄出 / 发放"],
            [
                [
                    c.certificate.number,
                    f"第{t.edition}版",
                    str(t.application),
                    t.destination_city.name,
                    t.get_state_display(),
                    " / ".join(_date(d) or "—" for d in (t.printed_at, t.sent_at, t.delivered_on)),
                ]
                for c in dossier.certificates
                for t in c.papers
            ],
            [0.18, 0.08, 0.20, 0.10, 0.10, 0.34],
            empty="系统内尚未打印过证书（持有原发证书）",
        ),
        Section(
            "证书状态变化",
            ["证书编号", "时间", "变化", "说明"],
            [
                [
                    c.certificate.number,
                    _date(h.at),
                    f"{h.before} → {h.after}" if h.before else h.after,
                    h.note,
                ]
                for c in dossier.certificates
                for h in c.history
            ],
            [0.18, 0.20, 0.22, 0.40],
        ),
        Section(
            "申请与审核",
            ["申请", "申请机构", "调入机构", "状态", "提交时间", "审核意见"],
            [
                [
                    str(a),
                    a.institution.name,
                    a.receiving_institution.name if a.receiving_institution else "",
                    a.get_state_display(),
                    _date(a.submitted_at),
                    "；".join(
                        f"{d.step_label}{d.get_outcome_display()}：{d.opinion}" for d in a.decisions.all()
                    ),
                ]
                for a in dossier.applications
            ],
            [0.15, 0.20, 0.15, 0.10, 0.13, 0.27],
            empty="无申请记录",
        ),
        Section(
            "信用记录",
            ["行为类别", "性质", "分值", "行为日期", "公示截止", "状态"],
            [
                [
                    r.category.name,
                    r.get_nature_display(),
                    str(r.signed_points),
                    _date(r.conduct_date),
                    _date(r.in_force_until),
                    r.status_label,
                ]
                for r in dossier.credit_records
            ],
            [0.30, 0.12, 0.10, 0.16, 0.16, 0.16],
            empty="暂无信用记录",
        ),
    ]
    return DossierSheet(person.name, timezone.localdate().strftime("%Y年%m月%d日"), identity, sections)
