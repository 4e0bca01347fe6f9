"""帮助: the guide's steps for each role, each naming the menu path and linking to the real page.

Every link is built with reverse() from the same URL names the menu uses (tests/test_help.py opens each one
as the role's demo account), so a renamed page cannot leave the help pointing nowhere.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.urls import reverse

from institutions.modules import MODULE_SLUGS, institution_modules
from reviews import processes


@dataclass
class Step:
    text: str
    links: list = field(default_factory=list)  # (menu path, url)


@dataclass
class Topic:
    title: str
    steps: list


def contact(request):
    """Context processor: the login page's "若帐号密码遗忘，可联系省质监总站" contact."""
    return {"province_contact": settings.PROVINCE_CONTACT}


def _slug(kind) -> str:
    return {v: k for k, v in MODULE_SLUGS.items()}[kind]


def _institution(user) -> list[Topic]:
    kinds = list(institution_modules(user.institution))
    slug = _slug(kinds[0]) if kinds else "jc"
    return [
        Topic(
            "人员变更调离",
            [
                Step(
                    "【诚信变更管理】→ 人员变更调离 → 添加变更：选择本机构的检测人员和调入机构，上传解除劳动关系证明等扫描件后提交。",
                    [("人员变更调离", reverse("transfer_list")), ("添加变更", reverse("transfer_new"))],
                ),
                Step(
                    "调入机构在【诚信变更管理】→ 人员变更调离 中打开“请接收”的申请，上传劳动合同、社保缴费清单后点“接收”（或“拒收”）。",
                    [("人员变更调离", reverse("transfer_list"))],
                ),
                Step(
                    "接收后由调出、调入机构所在市审核，再由省质监总站复核；通过后证书随人员变更，并进入证书打印。"
                ),
            ],
        ),
        Topic(
            "人员上岗证补办",
            [
                Step(
                    "【诚信变更管理】→ 人员上岗证补办 → 添加补办：勾选遗失的证书，填写补证原因，上传登报声明等扫描件后提交。",
                    [("人员上岗证补办", reverse("reissue_list")), ("添加补办", reverse("reissue_new"))],
                ),
            ],
        ),
        Topic(
            "人员注销",
            [
                Step(
                    "【诚信变更管理】→ 人员注销 → 添加注销：勾选证书，填写注销原因和本人是否同意后提交。",
                    [("人员注销", reverse("cancellation_list")), ("添加注销", reverse("cancellation_new"))],
                ),
                Step(
                    "注销通过后，请立即将岗位合格证书寄回省质监总站，并在证书收回中登记快递单号。",
                    [("证书收回", reverse("recovery_list"))],
                ),
            ],
        ),
        Topic(
            "人员备案与机构备案",
            [
                Step(
                    "人员诚信管理 → 基本信息 → 添加人员：新进人员或人员信息变更，提交后经市级审核、省级复核。"
                    "点姓名旁的“信用档案”可查看该人员的从业履历、证书、申请与审核和信用记录。",
                    [
                        ("基本信息", reverse("person_list", args=[slug])),
                        ("添加人员", reverse("person_new", args=[slug])),
                    ],
                ),
                Step(
                    "机构诚信管理 → 基本信息：查看本机构信息，提交机构备案（基本信息、资质、增项和扩项）。",
                    [("基本信息", reverse("institution_info", args=[slug]))],
                ),
            ],
        ),
        Topic(
            "申请被退回后",
            [
                Step(
                    "在对应的申请列表中打开“已退回”的申请，按审核意见修改后重新提交，或撤回申请。",
                    [("人员变更调离", reverse("transfer_list"))],
                )
            ],
        ),
    ]


def _reviews(user) -> list[Topic]:
    steps = []
    for slug, label in (("jc", "工程质量检测诚信管理"), ("dj", "地基基础检测诚信管理")):
        links = [
            (p.review_title, reverse("review_queue", args=[slug, p.type])) for p in processes.all_processes()
        ]
        steps.append(Step(f"{label} → 审核：打开待审核的申请，核对扫描件原件。", links))
    who = "复核市级审核通过的申请" if user.is_province else "审核涉及本市检测机构的申请"
    steps.append(Step(f"{who}：签署审核意见后点“同意”或“退回”（退回须写明需修改的内容）。"))
    return [Topic("审核", steps)]


def _city(user) -> list[Topic]:
    return [
        *_reviews(user),
        Topic(
            "证书发放",
            [
                Step(
                    "证书管理 → 证书发放：省质监总站寄出的证书到达后，填写领取人和发放日期，点“发放”。",
                    [("证书发放", reverse("delivery_list"))],
                )
            ],
        ),
        Topic(
            "查询",
            [
                Step(
                    "人员诚信管理 → 基本信息、证书信息，机构诚信管理 → 基本信息：查询本市的人员、证书和机构，可导出Excel；"
                    "点姓名旁的“信用档案”查看人员的完整档案（省质监总站可导出PDF）。",
                    [
                        ("人员基本信息", reverse("person_list", args=["jc"])),
                        ("证书信息", reverse("certificate_list", args=["jc"])),
                        ("机构基本信息", reverse("institution_info", args=["jc"])),
                    ],
                )
            ],
        ),
    ]


def _province(user) -> list[Topic]:
    return [
        *_reviews(user),
        Topic(
            "证书打印",
            [
                Step(
                    "证书管理 → 证书打印：① 选择寄往的市、类别或全部待打印；",
                    [("证书打印", reverse("print_queue"))],
                ),
                Step(
                    "② 打印：下载PDF（证书较多时在后台生成并显示进度），纸张打出后点“纸张已打出，确认已打印”；"
                ),
                Step(
                    "③ 寄出：在“已打印”中为每个市填写一个快递单号后寄出。",
                    [("已打印", reverse("print_queue") + "?state=printed")],
                ),
            ],
        ),
        Topic(
            "证书收回",
            [
                Step(
                    "证书管理 → 证书收回：机构寄回注销的证书后，核对并点“收回”；列表显示每本证书已等待的天数。",
                    [("证书收回", reverse("recovery_list"))],
                )
            ],
        ),
        Topic(
            "证书注销（撤销）",
            [
                Step(
                    "人员诚信管理 → 证书信息：在证书所在行点“注销”，填写注销原因并上传扫描件后提交；"
                    "注销即时生效并公告，持证人所在机构须将证书寄回。",
                    [("证书信息", reverse("certificate_list", args=["jc"]))],
                )
            ],
        ),
        Topic(
            "机构与系统管理",
            [
                Step(
                    "机构管理 → 新增检测机构：开设新机构及其登录帐号。",
                    [("新增检测机构", reverse("institution_new"))],
                ),
                Step(
                    "机构管理 → 资质到期提醒：查看已过期或90天内到期的资质。",
                    [("资质到期提醒", reverse("qualification_expiring"))],
                ),
                Step(
                    "系统管理 → 账号管理：新增、停用、启用市级和机构帐号，重置密码。",
                    [("账号管理", reverse("account_list"))],
                ),
                Step(
                    "系统管理 → 登录安全、安全审计：解除登录锁定，查看安全事件。",
                    [("登录安全", reverse("login_security")), ("安全审计", reverse("audit_list"))],
                ),
            ],
        ),
    ]


def _statistics() -> Topic:
    return Topic(
        "统计分析",
        [
            Step(
                "首页待办事项下方（或【统计分析】→ 统计分析）显示本辖区的申请、待办、各环节办理时长和证书统计图表，"
                "每个图表旁列出数据，可点“导出Excel”；数据由后台定时更新，页面显示更新时间。",
                [("统计分析", reverse("stats_dashboard"))],
            )
        ],
    )


def _credit(user) -> Topic:
    records = ("信用管理 → 信用记录", reverse("credit_record_list"))
    if user.is_institution:
        return Topic(
            "信用管理",
            [
                Step(
                    "信用管理 → 信用记录：查看本机构及本机构人员的信用记录和本年度信用评价（计分明细）。",
                    [records],
                ),
                Step(
                    "对公示期内的信用记录有异议的，在记录页面点“提出申诉”，上传申诉材料，由省质监总站复核。"
                ),
            ],
        )
    steps = [
        Step(
            "信用管理 → 信用记录 → 新增信用记录：记录检测机构或人员（按证书编号和姓名）的良好、不良行为，上传证据材料。"
            + (
                "省质监总站记录的即时生效。"
                if user.is_province
                else "市级记录报省质监总站复核，复核通过后生效。"
            ),
            [records, ("新增信用记录", reverse("credit_record_new"))],
        ),
        Step(
            "信用管理 → 信用评价：按市、资质类别查看检测机构的信用分和信用等级，可导出。",
            [("信用评价", reverse("credit_ranking"))],
        ),
    ]
    if user.is_province:
        steps.append(
            Step(
                "审核 → 信用记录复核、信用申诉审核：复核市级记录的信用行为和检测机构的申诉（申诉成立即撤销该记录）。"
                "信用管理 → 信用行为目录、评价规则：维护行为类别和计分规则。",
                [("信用行为目录", reverse("credit_category_list")), ("评价规则", reverse("credit_rule"))],
            )
        )
    return Topic("信用管理", steps)


def topics_for(user) -> list[Topic]:
    if user.is_institution:
        topics = _institution(user)
    elif user.is_province:
        topics = [*_province(user), _statistics()]
    else:
        topics = [*_city(user), _statistics()]
    email = "" if user.is_province else "在“邮件通知”中填写本单位的电子邮箱，每日可收到一封消息汇总邮件。"
    topics.append(
        Topic(
            "消息",
            [
                Step(
                    "页面顶部的“消息”旁的红色数字是您未读的消息数：申请待您处理、被退回、已通过，证书可领取或须寄回，"
                    f"资质即将到期等。点击消息即标为已读并打开相关页面；同一单位的每个账号各自阅读。{email}",
                    [("消息", reverse("notice_list"))],
                )
            ],
        )
    )
    topics.append(_credit(user))
    topics.append(
        Topic(
            "公告与证书查询",
            [
                Step(
                    "公告和证书查询无需登录：按证书编号和姓名，或扫描证书上的二维码查询证书是否有效。",
                    [("公告", reverse("announcement_list")), ("证书查询", reverse("verify"))],
                ),
                Step(
                    "信用公示无需登录：检测机构的信用等级和公示期内的不良行为记录；按证书编号和姓名查询人员信用。",
                    [
                        ("信用公示", reverse("credit_public_list")),
                        ("人员信用查询", reverse("credit_public_person")),
                    ],
                ),
            ],
        )
    )
    return topics
