"""The left menu of each role, defined once, in the guide's words, with waiting-item counts."""

from dataclasses import dataclass, field

from django.db.models import Count
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe

from certificates.models import PrintTask, Recovery
from credit.models import CreditRecord
from institutions import second_factor
from institutions.models import Kind
from institutions.modules import MODULE_TITLES, institution_modules, missing_modules
from notices.organisations import key_of
from reviews import processes
from reviews.models import Application
from web.freshness import cached

MODULES = [("jc", Kind.JC), ("dj", Kind.DJ)]


@dataclass
class Entry:
    label: str
    url: str
    count: int = 0


@dataclass
class Group:
    label: str
    entries: list = field(default_factory=list)


@dataclass
class Section:
    title: str
    groups: list = field(default_factory=list)


def waiting_counts(user) -> dict:
    """Applications whose next step is this user's, in one query: {(type, kind): n} per module, and
    {type: n} overall (an application about both kinds counts once there)."""
    rows = (
        Application.objects.waiting_for(user)
        .values("type", "module_jc", "module_dj")
        .annotate(n=Count("pk", distinct=True))
    )
    counts: dict = {}
    for row in rows:
        counts[row["type"]] = counts.get(row["type"], 0) + row["n"]
        for kind, on in ((Kind.JC, row["module_jc"]), (Kind.DJ, row["module_dj"])):
            if on:
                counts[(row["type"], kind)] = counts.get((row["type"], kind), 0) + row["n"]
    return counts


def _institution_menu(user, counts):
    changes = Section("诚信变更管理")
    group = Group("")
    for process in processes.all_processes():
        if process.change_list_url:
            group.entries.append(
                Entry(process.label, reverse(process.change_list_url), counts.get(process.type, 0))
            )
    changes.groups.append(group)
    sections = [changes]
    # 证书收回: the count is of the certificates this institution still has to mail back (待交回).
    to_mail_back = Entry("证书收回", reverse("recovery_list"), Recovery.objects.to_mail_back(user).count())
    sections.append(Section("证书管理", [Group("", [to_mail_back])]))
    modules = institution_modules(user.institution)
    for slug, kind in MODULES:
        if kind in modules:
            sections.append(_module_section(slug, kind, reviews=None))
    # A single-kind institution applies for the other kind through 机构备案 (增项 of a kind).
    missing = [
        Entry(f"申请{kind.label}资质", reverse("institution_filing", args=[slug]))
        for slug, kind in MODULES
        if kind in missing_modules(user.institution)
    ]
    if missing:
        sections.append(Section("资质增项", [Group("", missing)]))
    sections.append(_credit_section(user))
    return sections


def _module_section(slug, kind, reviews, *, city=False):
    """A module's section; ``reviews`` (the waiting counts) adds its 审核 group, for a city only the
    processes the cities review (the province alone decides a city's own 信用记录 and a 申诉)."""
    section = Section(MODULE_TITLES[kind])
    section.groups.append(
        Group("机构诚信管理", [Entry("基本信息", reverse("institution_info", args=[slug]))])
    )
    people = [
        Entry("基本信息", reverse("person_list", args=[slug])),
        Entry("证书信息", reverse("certificate_list", args=[slug])),
    ]
    section.groups.append(Group("人员诚信管理", people))
    if reviews is not None:
        entries = [
            Entry(
                p.review_title, reverse("review_queue", args=[slug, p.type]), reviews.get((p.type, kind), 0)
            )
            for p in processes.all_processes()
            if p.city_review or not city
        ]
        section.groups.append(Group("审核", entries))
    return section


def _reviewer_menu(user, counts):
    sections = [_module_section(slug, kind, reviews=counts, city=user.is_city) for slug, kind in MODULES]
    sections.append(_certificate_section(user))
    sections.append(Section("统计分析", [Group("", [Entry("统计分析", reverse("stats_dashboard"))])]))
    if user.is_province:
        entries = [
            Entry("新增检测机构", reverse("institution_new")),
            Entry("资质到期提醒", reverse("qualification_expiring")),
        ]
        sections.append(Section("机构管理", [Group("", entries)]))
        security = [
            Entry("账号管理", reverse("account_list")),
            Entry("安全审计", reverse("audit_list")),
            Entry("登录安全", reverse("login_security")),
            Entry("办理时限", reverse("deadline_settings")),
        ]
        sections.append(Section("系统管理", [Group("", security)]))
    elif user.is_city:
        # A city follows the qualifications of its own institutions (no count: the menu stays data-free).
        entries = [Entry("资质到期提醒", reverse("qualification_expiring"))]
        sections.append(Section("机构管理", [Group("", entries)]))
    sections.append(_credit_section(user))
    return sections


def _credit_section(user):
    """信用管理: records (the province's count is what waits for its 复核, a city's what was returned to
    it), the evaluation, and the
    province's catalogue and rule; an institution's count is its 不良 records in force it may appeal."""
    if user.is_institution:
        records = CreditRecord.objects.to_answer(user)
        return Section(
            "信用管理", [Group("", [Entry("信用记录", reverse("credit_record_list"), records.count())])]
        )
    if user.is_province:
        waiting = CreditRecord.objects.filter(state="pending_province").count()
    else:  # a city's own records the province returned
        waiting = CreditRecord.objects.filter(state="returned", recorded_by_id=user.city_id).count()
    entries = [
        Entry("信用记录", reverse("credit_record_list"), waiting),
        Entry("信用评价", reverse("credit_ranking")),
    ]
    if user.is_province:
        entries += [
            Entry("信用行为目录", reverse("credit_category_list")),
            Entry("评价规则", reverse("credit_rule")),
        ]
    return Section("信用管理", [Group("", entries)])


def _certificate_section(user):
    """证书管理: printing and recovery at the province, distribution at a city."""
    if user.is_province:
        printing = PrintTask.objects.filter(state=PrintTask.State.PENDING).count()
        mailed = Recovery.objects.filter(state=Recovery.State.MAILED).count()
        entries = [
            Entry("证书打印", reverse("print_queue"), printing),
            Entry("证书收回", reverse("recovery_list"), mailed),
        ]
    else:
        incoming = PrintTask.objects.visible_to(user).filter(state=PrintTask.State.SENT).count()
        entries = [Entry("证书发放", reverse("delivery_list"), incoming)]
    return Section("证书管理", [Group("", entries)])


def sections_for(user) -> list[Section]:
    counts = waiting_counts(user)
    if user.is_institution:
        return _institution_menu(user, counts)
    return _reviewer_menu(user, counts)


def menu(request):
    """Context processor: ``menu_html``, the logged-in user's menu, rendered once per organisation and
    cached until the next action commits (``web.freshness``)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.password_change_due or not user.role:
        return {}
    if second_factor.pending(request):
        return {}

    def render():
        return render_to_string("includes/_menu.html", {"menu_sections": sections_for(user)})

    # Safe: the HTML comes from our own template, which escapes every value.
    return {"menu_html": mark_safe(cached(f"menu:{key_of(user)}", render))}
