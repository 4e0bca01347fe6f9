"""The two modules (建材, 地基): each is a kind of qualification, of certificate and a menu section."""

from django.http import Http404

from .models import Kind

MODULE_TITLES = {Kind.JC: "工程质量检测诚信管理", Kind.DJ: "地基基础检测诚信管理"}
MODULE_SLUGS = {"jc": Kind.JC, "dj": Kind.DJ}


def module_context(user, slug: str, *, held: bool = True) -> dict:
    """The module a page belongs to; an institution without that qualification gets 404, unless the
    page is one where it applies for it (``held=False``: 机构备案, the 增项 of a kind)."""
    kind = MODULE_SLUGS[slug]
    if held and user.is_institution and kind not in institution_modules(user.institution):
        raise Http404("本机构无该类资质")
    return {"module": slug, "kind": kind, "module_title": MODULE_TITLES[kind]}


def missing_modules(institution) -> list[str]:
    """The kinds an institution may still apply for (增项 of a kind); none while it holds none, as it
    then works in both."""
    held = institution.kinds()
    return [kind for kind in MODULE_TITLES if held and kind not in held]


def institution_modules(institution) -> list[str]:
    """The modules an institution works in: the kinds it holds, or both while it holds none (筹建)."""
    return institution.kinds() or list(MODULE_TITLES)
