from django.urls import path

from . import views

urlpatterns = [
    path("notices/", views.notice_list, name="notice_list"),
    path("notices/<int:pk>/open/", views.notice_open, name="notice_open"),
    path("notices/read-all/", views.notice_read_all, name="notice_read_all"),
    path("notices/email/", views.notice_email, name="notice_email"),
]
