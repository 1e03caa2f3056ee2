"""Production settings: refuse to start without a real secret and explicit hosts."""

import os

from django.core.exceptions import ImproperlyConfigured

from relhealth.mailconfig import mail_settings_problems

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("insecure"):
    raise ImproperlyConfigured(
        "Set DJANGO_SECRET_KEY to a random string of at least 50 characters."
    )
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])
if not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS:
    raise ImproperlyConfigured("Set DJANGO_ALLOWED_HOSTS to the host names this install serves.")

# Mail that real people receive: a sender on a real domain and https links. A trial on one machine
# (mail caught by Mailpit, links to localhost) says so with RELHEALTH_ALLOW_LOCAL_MAIL=true;
# `check --deploy` still reports it (relhealth.E101, E102).
RELHEALTH_ALLOW_LOCAL_MAIL = env.bool("RELHEALTH_ALLOW_LOCAL_MAIL", default=False)
_mail_problems = mail_settings_problems(
    from_email=DEFAULT_FROM_EMAIL,  # noqa: F405
    base_url=RELHEALTH_BASE_URL,  # noqa: F405
)
if _mail_problems and not RELHEALTH_ALLOW_LOCAL_MAIL:
    raise ImproperlyConfigured(
        "; ".join(f"{name}: {text}" for name, text in _mail_problems)
        + " (a local trial whose mail nobody receives: RELHEALTH_ALLOW_LOCAL_MAIL=true)"
    )

DEBUG = False
RELHEALTH_DEMO = False
RELHEALTH_PRODUCTION = True
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# One JSON object per log line, with the request id, unless LOG_FORMAT says otherwise.
LOGGING["handlers"]["console"]["formatter"] = env("LOG_FORMAT", default="json")  # noqa: F405
