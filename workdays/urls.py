from django.urls import path

from . import views

urlpatterns = [
    path("system/deadlines/", views.deadline_settings, name="deadline_settings"),
    path("system/deadlines/limits/", views.deadline_limits, name="deadline_limits"),
    path("system/deadlines/<int:year>/", views.holiday_table, name="holiday_table"),
]
