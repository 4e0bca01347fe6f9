"""URLs for bench/pages.py: the product's, plus two reference pages.

- ``bench/ok/``: the least a logged-in page costs (the middleware: session, user, login check).
- ``bench/page/``: the product's frame (base.html: header, menu, badge) around an empty content block,
  what every product page pays before its own content.
- ``bench/admin/``: Django's admin changelist of people, a stock page listing the same table.
"""

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import include, path

from personnel.models import Person


class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "id_number", "institution"]
    list_per_page = 20


site = admin.AdminSite()
site.register(Person, PersonAdmin)


def ok(request: HttpRequest) -> HttpResponse:
    """Nothing but the response; LoginRequiredMiddleware has already required a logged-in user."""
    return HttpResponse("ok")


FRAME = engines["django"].from_string('{% extends "base.html" %}{% block title %}空白{% endblock %}')


def frame(request: HttpRequest) -> HttpResponse:
    """base.html with nothing in it: the fixed cost of a product page."""
    return HttpResponse(FRAME.render({}, request))


urlpatterns = [
    path("bench/ok/", ok, name="bench_ok"),
    path("bench/page/", frame, name="bench_frame"),
    path("bench/admin/", site.urls),
    path("", include("jiance.urls")),
]
