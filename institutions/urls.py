from django.urls import path

import institutions.converters  # noqa: F401  (registers <module:…>)

from . import account_views, views

urlpatterns = [
    path("m/<module:module>/institution/", views.institution_info, name="institution_info"),
    path("institutions/new/", views.institution_new, name="institution_new"),
    path("institutions/<int:pk>/", views.institution_detail, name="institution_detail"),
    path("qualifications/expiring/", views.qualification_expiring, name="qualification_expiring"),
    path("accounts/security/", views.login_security, name="login_security"),
    path("accounts/security/unlock/", views.login_unlock, name="login_unlock"),
    path("accounts/security/otp-reset/", views.otp_reset, name="otp_reset"),
    path("accounts/manage/", account_views.account_list, name="account_list"),
    path("accounts/manage/new/", account_views.account_new, name="account_new"),
    path("accounts/manage/<int:pk>/", account_views.account_detail, name="account_detail"),
    path("accounts/manage/<int:pk>/disable/", account_views.account_disable, name="account_disable"),
    path("accounts/manage/<int:pk>/enable/", account_views.account_enable, name="account_enable"),
    path("accounts/manage/<int:pk>/reset/", account_views.account_reset, name="account_reset"),
    path("accounts/otp/", views.otp_setup, name="otp_setup"),
    path("accounts/otp/recovery-codes/", views.otp_recovery_codes, name="otp_recovery_codes"),
    path("accounts/otp/verify/", views.otp_verify, name="otp_verify"),
]
