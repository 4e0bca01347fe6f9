from django.urls import path

import institutions.converters  # noqa: F401  (registers <module:…>)

from . import views

urlpatterns = [
    path("m/<module:module>/people/", views.person_list, name="person_list"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
]
