"""The URL map."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from org import views as org_views

urlpatterns = [
    path("", org_views.home, name="home"),
    path("login/", org_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("privacy/", org_views.privacy, name="privacy"),
    path("healthz", org_views.healthz, name="healthz"),
    path("readyz", org_views.readyz, name="readyz"),
    path("", include("checkins.urls")),
    path("", include("culture.urls")),
    path("django-admin/", admin.site.urls),
]
