"""URLs for bench/pages.py: the product's, plus two reference pages.

- ``bench/ok/``: the least a logged-in page costs (the middleware: session, user, login check).
- ``bench/admin/``: Django's admin changelist of people, a stock page listing the same table.
"""

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
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


urlpatterns = [
    path("bench/ok/", ok, name="bench_ok"),
    path("bench/admin/", site.urls),
    path("", include("jiance.urls")),
]
