from django.urls import path

import institutions.converters  # noqa: F401  (registers <module:…>)

from . import views

urlpatterns = [
    path("m/<module:module>/institution/", views.institution_info, name="institution_info"),
    path("institutions/new/", views.institution_new, name="institution_new"),
    path("institutions/<int:pk>/", views.institution_detail, name="institution_detail"),
    path("qualifications/expiring/", views.qualification_expiring, name="qualification_expiring"),
    path("accounts/security/", views.login_security, name="login_security"),
    path("accounts/security/unlock/", views.login_unlock, name="login_unlock"),
    path("accounts/security/otp-reset/", views.otp_reset, name="otp_reset"),
    path("accounts/otp/", views.otp_setup, name="otp_setup"),
    path("accounts/otp/recovery-codes/", views.otp_recovery_codes, name="otp_recovery_codes"),
    path("accounts/otp/verify/", views.otp_verify, name="otp_verify"),
]
