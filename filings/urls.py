from django.urls import path

import institutions.converters  # noqa: F401  (registers <module:…>)

from . import views

urlpatterns = [
    path("m/<module:module>/people/new/", views.person_new, name="person_new"),
    path("people/<int:pk>/change/", views.person_change, name="person_change"),
    path("m/<module:module>/institution/filing/", views.institution_filing, name="institution_filing"),
    path(
        "institutions/<int:pk>/suspend/",
        views.institution_status,
        {"action": "suspend"},
        name="institution_suspend",
    ),
    path(
        "institutions/<int:pk>/resume/",
        views.institution_status,
        {"action": "resume"},
        name="institution_resume",
    ),
    path(
        "institutions/<int:pk>/close/",
        views.institution_status,
        {"action": "close"},
        name="institution_close",
    ),
]
