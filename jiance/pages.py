"""Small helpers every list page shares: pagination and module lookup."""

from django.core.paginator import Paginator
from django.http import Http404

from institutions.models import MODULE_SLUGS, MODULE_TITLES

PAGE_SIZE = 20


def paginate(request, queryset, per_page: int = PAGE_SIZE):
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def module_context(user, slug: str) -> dict:
    """The module (建材/地基) a page belongs to; an institution without that qualification gets 404."""
    kind = MODULE_SLUGS[slug]
    if user.is_institution and kind not in institution_modules(user.institution):
        raise Http404("本机构无该类资质")
    return {"module": slug, "kind": kind, "module_title": MODULE_TITLES[kind]}


def institution_modules(institution) -> list[str]:
    """The modules an institution works in: the kinds it holds, or both while it holds none (筹建)."""
    return institution.kinds() or list(MODULE_TITLES)
