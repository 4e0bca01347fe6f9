from django.urls import path

import jiance.converters  # noqa: F401  (registers <module:…>)

from . import views

urlpatterns = [
    path("m/<module:module>/institution/", views.institution_info, name="institution_info"),
    path("m/<module:module>/institution/filing/", views.institution_filing, name="institution_filing"),
    path("institutions/new/", views.institution_new, name="institution_new"),
    path("institutions/<int:pk>/", views.institution_detail, name="institution_detail"),
]
