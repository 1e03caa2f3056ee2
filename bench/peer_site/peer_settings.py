"""A minimal Django project around the peer, django-survey-and-report (import name `survey`).

Runs only inside the benchmark's own virtualenv (var/bench/peer-venv), never in Relhealth's.
"""

import os
from pathlib import Path
from urllib.parse import urlparse

BASE = Path(__file__).resolve().parent
_db = urlparse(os.environ["PEER_DATABASE_URL"])

SECRET_KEY = "peer-benchmark-only-not-a-secret-0123456789abcdefghijklmnop"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "survey",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "peer_urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _db.path.lstrip("/"),
        "USER": _db.username or "postgres",
        "PASSWORD": _db.password or "",
        "HOST": _db.hostname or "127.0.0.1",
        "PORT": str(_db.port or 5432),
        # Kept connections, as ours (ADR 0018): the peer is served the way we are.
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
USE_TZ = True
TIME_ZONE = "UTC"
STATIC_URL = "static/"
# What the peer's README asks for its CSV export.
CSV_DIRECTORY = os.environ.get("PEER_CSV_DIRECTORY", str(BASE / "csv"))
TEX_DIRECTORY = CSV_DIRECTORY
USER_DID_NOT_ANSWER = "Left blank"
CHOICES_SEPARATOR = ","
EXCEL_COMPATIBLE_CSV = False
