"""Test settings: the real PostgreSQL and Redis when reachable, else SQLite with a clear message.

With REQUIRE_SERVICES=1 (set by CI) a missing service is an error, never a silent fallback.
"""

import os
import socket
import sys
from urllib.parse import urlparse

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import BASE_DIR, INSTALLED_APPS, env

PG_DEFAULT = "postgres://postgres@127.0.0.1:5432/relhealth"
REDIS_DEFAULT = "redis://127.0.0.1:6379/15"
REQUIRE_SERVICES = env.bool("REQUIRE_SERVICES", default=False)


def _reachable(url: str) -> bool:
    parts = urlparse(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 0), timeout=1):
            return True
    except OSError:
        return False


_database_url = os.environ.get("DATABASE_URL", PG_DEFAULT)
_redis_url = os.environ.get("REDIS_URL", REDIS_DEFAULT)
_missing = [
    name
    for name, url in (("PostgreSQL", _database_url), ("Redis", _redis_url))
    if url.startswith(("postgres", "redis")) and not _reachable(url)
]
if _missing and REQUIRE_SERVICES:
    raise ImproperlyConfigured(
        f"REQUIRE_SERVICES=1 but {' and '.join(_missing)} is not reachable "
        f"(DATABASE_URL={_database_url}, REDIS_URL={_redis_url})."
    )

if "PostgreSQL" in _missing:
    print(
        "relhealth tests: PostgreSQL is not reachable; falling back to SQLite "
        "(set REQUIRE_SERVICES=1 to make this an error).",
        file=sys.stderr,
    )
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
else:
    DATABASES = {"default": env.db_url_config(_database_url)}
DATABASES["default"]["ATOMIC_REQUESTS"] = False

TEST_REDIS_URL = "" if "Redis" in _missing else _redis_url
if "Redis" in _missing:
    print("relhealth tests: Redis is not reachable; broker tests use memory://.", file=sys.stderr)
CELERY_BROKER_URL = TEST_REDIS_URL or "memory://"
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": TEST_REDIS_URL,
        # One test run's rate-limit counters never meet another's.
        "KEY_PREFIX": f"test-{os.getpid()}",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
    if TEST_REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
# Property tests post hundreds of times to one link; the limit itself has its own test.
RELHEALTH_CHECKIN_RATE = "100000/m"
RELHEALTH_CHECKIN_RATE_PER_IP = "100000/m"
# Browser tests sign in many times a minute from 127.0.0.1; the sign-in limits have their tests.
RELHEALTH_SIGNIN_RATE = "100000/m"
RELHEALTH_SIGNIN_RATE_PER_IP = "100000/m"
RELHEALTH_SIGNIN_FAILURES_PER_USERNAME = "100000/m"
RELHEALTH_SIGNIN_CONCURRENCY = 1000
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}

SECRET_KEY = "test-secret-key-not-for-production-0123456789"  # noqa: S105
DEBUG = False
RELHEALTH_DEMO = True
# The demo app is tested like the others (ADR 0038; production does not install it).
INSTALLED_APPS = [*INSTALLED_APPS, "demo"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
RELHEALTH_BASE_URL = "http://testserver"
CELERY_TASK_ALWAYS_EAGER = False
# Any hour, any day, so tests that send "now" pass whenever they run; the scheduling tests set
# real working hours themselves.
RELHEALTH_WORKING_HOURS = (0, 24)
RELHEALTH_WORKING_WEEKDAYS = (0, 1, 2, 3, 4, 5, 6)
RELHEALTH_HOLIDAYS = "none"  # tests that are about holidays switch a calendar on
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
]
# Static files come straight from the finders (node_modules, static/); nothing is collected.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# The test client's login() calls authenticate() without a request, which django-axes refuses;
# the throttling test switches it back on and signs in through the real login page.
AXES_ENABLED = False
