"""Public pages (no login): 公告."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from jiance.pages import paginate

from ..models import Announcement


@login_not_required
def announcement_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    announcements = Announcement.objects.for_public_display().search(q)
    return render(
        request, "certificates/announcement_list.html", {"page": paginate(request, announcements), "q": q}
    )
