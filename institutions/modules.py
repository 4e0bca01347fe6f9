"""The two modules (建材, 地基): each is a kind of qualification, of certificate and a menu section."""

from django.http import Http404

from .models import Kind

MODULE_TITLES = {Kind.JC: "工程质量检测诚信管理", Kind.DJ: "地基基础检测诚信管理"}
MODULE_SLUGS = {"jc": Kind.JC, "dj": Kind.DJ}


def module_context(user, slug: str) -> dict:
    """The module a page belongs to; an institution without that qualification gets 404."""
    kind = MODULE_SLUGS[slug]
    if user.is_institution and kind not in institution_modules(user.institution):
        raise Http404("本机构无该类资质")
    return {"module": slug, "kind": kind, "module_title": MODULE_TITLES[kind]}


def institution_modules(institution) -> list[str]:
    """The modules an institution works in: the kinds it holds, or both while it holds none (筹建)."""
    return institution.kinds() or list(MODULE_TITLES)
