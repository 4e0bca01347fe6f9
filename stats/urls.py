from django.urls import path

from . import views

urlpatterns = [
    path("stats/", views.dashboard_page, name="stats_dashboard"),
    path("stats/<slug:chart>/export/", views.export, name="stats_export"),
]
