"""Settings of the test OpenID Connect provider (a separate process; see __init__.py)."""

import os
from pathlib import Path

HERE = Path(__file__).resolve().parent
SECRET_KEY = "provider-test-only-0123456789abcdef0123456789"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
PORT = int(os.environ.get("OP_PORT", "0"))
SITE_URL = f"http://127.0.0.1:{PORT}"
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oidc_provider",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "tests.oidc_provider_site.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [HERE / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]
DATABASES = {
    "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ.get("OP_DB", ":memory:")}
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
# The provider's cookies must not be mistaken for Relhealth's (another host, but say so anyway).
SESSION_COOKIE_NAME = "op_session"
CSRF_COOKIE_NAME = "op_csrftoken"
LOGIN_URL = "/accounts/login/"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
OIDC_USERINFO = "tests.oidc_provider_site.claims.userinfo"
OIDC_EXTRA_SCOPE_CLAIMS = "tests.oidc_provider_site.claims.GroupsScopeClaims"
OIDC_IDTOKEN_INCLUDE_CLAIMS = False
LOGGING = {"version": 1, "disable_existing_loggers": False}
