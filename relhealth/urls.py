"""The URL map."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from org import views as org_views
from relhealth import language_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", org_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
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

# A database outage in a middleware (the session, the user) reaches handler500: answer 503 there.
handler500 = "relhealth.views.server_error"
