from django.urls import path

import jiance.converters  # noqa: F401  (registers <module:…>)

from . import views

urlpatterns = [
    path("m/<module:module>/people/", views.person_list, name="person_list"),
    path("m/<module:module>/people/new/", views.person_new, name="person_new"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("people/<int:pk>/change/", views.person_change, name="person_change"),
]
