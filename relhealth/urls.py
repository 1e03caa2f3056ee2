"""The URL map."""

from django.apps import apps
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from org import sso_views, two_factor_views
from org import views as org_views
from relhealth import language_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", org_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Second factor: the code step of signing in, and HR admins' enrolment page.
    path("login/code/", two_factor_views.signin_code, name="signin-code"),
    path("account/two-factor/", two_factor_views.two_factor, name="two-factor"),
    # Single sign-on (OpenID Connect; 404 unless configured). The names are mozilla-django-oidc's.
    path("sso/authenticate/", sso_views.SsoStartView.as_view(), name="oidc_authentication_init"),
    path("sso/callback/", sso_views.SsoCallbackView.as_view(), name="oidc_authentication_callback"),
    path("password/reset/", org_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        org_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        org_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/set/<uidb64>/<token>/",
        org_views.PasswordSetView.as_view(),
        name="password_set",
    ),
    path("privacy/", views.privacy, name="privacy"),
    path("language/", language_views.language_set, name="set-language"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("", include("org.urls")),
    path("", include("checkins.urls")),
    path("", include("culture.urls")),
    path("", include("api.urls")),
    path("django-admin/", admin.site.urls),
]
# The demo outbox, where the demo app is installed (local and test settings, ADR 0038). By name,
# not by import: nothing imports the demo app.
if apps.is_installed("demo"):
    urlpatterns.append(path("", include("demo.urls")))

# A database outage in a middleware (the session, the user) reaches handler500: answer 503 there.
handler500 = "relhealth.views.server_error"
