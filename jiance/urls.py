from django.contrib.auth import views as auth_views
from django.urls import include, path

from web import health

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", views.password_change, name="password_change"),
    path("help/", views.help_page, name="help"),
    path("", include("institutions.urls")),
    path("", include("personnel.urls")),
    path("", include("certificates.urls")),
    path("", include("filings.urls")),
    path("", include("dossiers.urls")),
    path("", include("credit.urls")),
    path("", include("reviews.urls")),
    path("", include("audit.urls")),
    path("", include("jobs.urls")),
    path("", include("workdays.urls")),
    path("", include("notices.urls")),
    path("", include("stats.urls")),
]

handler400 = "jiance.views.bad_request"
handler500 = "jiance.views.server_error"
