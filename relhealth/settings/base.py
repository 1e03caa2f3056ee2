"""Settings shared by every environment, read from the process environment (12-factor)."""

import os
from pathlib import Path
from typing import Any

import environ

from org.validators import MIN_GROUP_SIZE_FLOOR

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

# Read raw: django-environ would treat a random key starting with "$" as a reference to another variable.
SECRET_KEY = os.environ.get(
    "DJANGO_SECRET_KEY", "insecure-local-only-key-change-me-0123456789abcdef"
)
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # django.contrib.admin with a site that answers 403 to signed-in people who are not staff.
    "relhealth.apps.RelhealthAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "django_celery_beat",
    "axes",
    "auditlog",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Second factor for HR admins (TOTP + backup codes), see the OTP block below.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "org",
    "checkins",
    "culture",
    "api",
]
# Not here: the `demo` app (seed_demo, the demo outbox). The local and test settings add it;
# production never installs it, so a production install has neither (ADR 0038).

MIDDLEWARE = [
    "relhealth.requestid.RequestIdMiddleware",
    # A view that loses PostgreSQL answers a clean 503 (handler500 covers the middlewares).
    "relhealth.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # On every response, static files included: no camera, microphone, location and the like.
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Sign-in posts over a limit answer 429 before any password is hashed (ADR 0024); early,
    # so that a flood of refusals costs little.
    "org.signin_limits.SigninLimitMiddleware",
    # The author's conversation pages never see the session (ADR 0031).
    "relhealth.middleware.ConversationPagesAnonymousMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(); then HR admins without a second factor are sent to enrol when
    # RELHEALTH_REQUIRE_HR_2FA is on.
    "django_otp.middleware.OTPMiddleware",
    "org.two_factor.RequireHrSecondFactorMiddleware",
    # Signed-in pages and API answers: Cache-Control: private, no-store.
    "relhealth.middleware.PrivateNoStoreMiddleware",
    "org.middleware.AbsoluteSessionTimeoutMiddleware",
    "org.middleware.PersonLanguageMiddleware",
    # Every 403/404 a signed-in person meets is written to the audit log (ADR 0009).
    "relhealth.middleware.AccessRefusalAuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Records the signed-in person as the actor of every audited change made in a request.
    "auditlog.middleware.AuditlogMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    # Turns django-ratelimit's refusal into RATELIMIT_VIEW's 429 (a plain 403 otherwise).
    "django_ratelimit.middleware.RatelimitMiddleware",
    # Last, as django-axes asks: it turns a lockout into its own response.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Password sign-in only for people who may sign in (access settings block below).
    "org.backends.PersonBackend",
    # Single sign-on (OIDC block below); answers only the SSO callback, and only when configured.
    "org.sso.SsoBackend",
]
# The client's address behind reverse proxies (docs/deploy.md): how many proxies in front of
# gunicorn append to X-Forwarded-For. 0 (default): REMOTE_ADDR, the header is never believed.
# One rule (relhealth.clientip) for django-axes, django-ratelimit and every limit of ours.
RELHEALTH_TRUSTED_PROXIES = env.int("RELHEALTH_TRUSTED_PROXIES", default=0)
AXES_CLIENT_IP_CALLABLE = "relhealth.clientip.client_ip"
RATELIMIT_IP_META_KEY = "relhealth.clientip.client_ip"
# Sign-in (S3, ADR 0024). django-axes: 5 failures for one account from one client address pause
# that pair for 15 minutes; the same account from another address is not affected.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "org/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"
# Before any password is hashed (org.signin_limits): sign-in posts per client address and for
# everyone together, and failed sign-ins per username. A browser that signed in to an account
# before (a signed device cookie) is exempt from the three while its own failures stay few.
RELHEALTH_SIGNIN_RATE_PER_IP = env("RELHEALTH_SIGNIN_RATE_PER_IP", default="20/m")
RELHEALTH_SIGNIN_RATE = env("RELHEALTH_SIGNIN_RATE", default="30/m")
RELHEALTH_SIGNIN_FAILURES_PER_USERNAME = env(
    "RELHEALTH_SIGNIN_FAILURES_PER_USERNAME", default="10/15m"
)
RELHEALTH_SIGNIN_FAILURES_PER_DEVICE = env("RELHEALTH_SIGNIN_FAILURES_PER_DEVICE", default="10/15m")
# Passwords checked at the same moment across the service (each takes a core for ~0.5 s);
# a sign-in finding every slot taken answers 429 at once. A quarter to half the web cores.
RELHEALTH_SIGNIN_CONCURRENCY = env.int("RELHEALTH_SIGNIN_CONCURRENCY", default=1)
RELHEALTH_SIGNIN_DEVICE_DAYS = env.int("RELHEALTH_SIGNIN_DEVICE_DAYS", default=180)
# The views whose POSTs are sign-in attempts (each one costs a password hash).
RELHEALTH_SIGNIN_VIEWS = ["login", "admin:login"]

# Rate limits (S3) count in the cache: Redis when configured, else this process's memory.
# They fail open, so a Redis outage never blocks a check-in (promise D2).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    if not env("REDIS_URL", default="")
    else {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env("REDIS_URL"),
        # A Redis that hangs must not hold a check-in for long (the limiter then fails open).
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}
RATELIMIT_FAIL_OPEN = True
# /readyz keeps its answer this long in each process (relhealth/health.py).
RELHEALTH_READY_CACHE_SECONDS = env.float("RELHEALTH_READY_CACHE_SECONDS", default=5.0)
RATELIMIT_VIEW = "relhealth.views.rate_limited"
# Per check-in link, and per client address (generous: a whole office may share one address).
# Only real links are counted; a made-up link is a 404 that counts against nothing.
RELHEALTH_CHECKIN_RATE = env("RELHEALTH_CHECKIN_RATE", default="20/m")
RELHEALTH_CHECKIN_RATE_PER_IP = env("RELHEALTH_CHECKIN_RATE_PER_IP", default="600/m")

ROOT_URLCONF = "relhealth.urls"
WSGI_APPLICATION = "relhealth.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "org.context_processors.relhealth",
            ],
        },
    },
    {
        # Plain-text emails (subjects and text bodies): nothing HTML-escaped, so "R&D's pulse"
        # reads as written (checkins.services.emails.TEXT_ENGINE).
        "NAME": "text",
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"autoescape": False},
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'relhealth.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Each web worker (thread) keeps its PostgreSQL connection between requests instead of opening one
# per request (a new backend process each time: ~5 ms and a fork on the database host), and checks
# that a kept connection still works before a request uses it, so a restarted PostgreSQL costs no
# failed request. 0 restores a connection per request.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The demo's web server, worker and beat share one file: take the write lock when a
    # transaction begins (no deadlocked lock upgrade), wait for it instead of failing, and let
    # readers go on beside the writer (WAL).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # SQLite cannot keep DriverRollup's "one row per pair, eNPS included" constraint (NULLS NOT
    # DISTINCT). The demo does without it: a round's roll-ups are written once, in the
    # transaction that creates its unique RoundRollupState row (a second run fails on that row
    # and writes nothing); PostgreSQL keeps the constraint as a second guard.
    SILENCED_SYSTEM_CHECKS = ["models.W047"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "org.Person"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# --- Single sign-on with OpenID Connect (mozilla-django-oidc; ADR 0021, docs/sso.md) ---
# Off unless a client id and either an issuer (endpoints from its discovery document) or explicit
# endpoints are set. People are matched by verified email only: nobody is created, and no role is
# taken from the identity provider unless RELHEALTH_OIDC_ROLE_CLAIM and _ROLE_MAP say so.
RELHEALTH_OIDC_ISSUER = env("RELHEALTH_OIDC_ISSUER", default="").rstrip("/")
RELHEALTH_OIDC_BUTTON_LABEL = env("RELHEALTH_OIDC_BUTTON_LABEL", default="single sign-on")
# The claim that must be true for the email to count (Entra ID: "xms_edov").
RELHEALTH_OIDC_VERIFIED_CLAIM = env("RELHEALTH_OIDC_VERIFIED_CLAIM", default="email_verified")
RELHEALTH_OIDC_ROLE_CLAIM = env("RELHEALTH_OIDC_ROLE_CLAIM", default="")  # e.g. "groups"
# "idp-group=hr_admin,other-group=manager"; a person in no mapped group becomes an employee.
RELHEALTH_OIDC_ROLE_MAP = env.dict("RELHEALTH_OIDC_ROLE_MAP", default={})
OIDC_RP_CLIENT_ID = env("RELHEALTH_OIDC_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = os.environ.get("RELHEALTH_OIDC_CLIENT_SECRET", "")
OIDC_RP_SCOPES = env("RELHEALTH_OIDC_SCOPES", default="openid email profile")
OIDC_RP_SIGN_ALGO = env("RELHEALTH_OIDC_SIGN_ALGO", default="RS256")
# Explicit endpoints win over discovery (for a provider without a discovery document).
OIDC_OP_AUTHORIZATION_ENDPOINT = env("RELHEALTH_OIDC_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env("RELHEALTH_OIDC_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env("RELHEALTH_OIDC_USERINFO_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env("RELHEALTH_OIDC_JWKS_ENDPOINT", default="")
OIDC_CREATE_USER = False
OIDC_USE_NONCE = True
OIDC_USE_PKCE = True
OIDC_TIMEOUT = 10
# django-axes counts password guesses; a refused single sign-on is no guess (the provider checked
# the password), and counting it would let one stranger pause SSO for a whole office address.
AXES_WHITELIST_CALLABLE = "org.sso.axes_skips_sso"
# --- end of single sign-on ---

# --- Second factor for HR admins (django-otp: TOTP + static backup codes; ADR 0022) ---
# Enrolled people enter a code after their password (or SSO) before they are signed in. With
# RELHEALTH_REQUIRE_HR_2FA every HR admin must enrol before any other page. API tokens and
# check-in links never ask for a code.
RELHEALTH_REQUIRE_HR_2FA = env.bool("RELHEALTH_REQUIRE_HR_2FA", default=False)
OTP_TOTP_ISSUER = env("RELHEALTH_OTP_ISSUER", default="Relhealth")
OTP_TOTP_THROTTLE_FACTOR = 1  # seconds, doubled after each wrong code (django-otp)
OTP_STATIC_THROTTLE_FACTOR = 1
RELHEALTH_N_BACKUP_CODES = 10
# --- end of second factor ---

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Access: invitations, password reset, API token expiry (ADR 0023) -------------------------
# Set-password links: an invitation works for 7 days, a reset link for 24 hours; both are
# single-use. Django's PASSWORD_RESET_TIMEOUT is the longer one, each link checks its own age.
RELHEALTH_INVITATION_SECONDS = env.int("RELHEALTH_INVITATION_SECONDS", default=7 * 24 * 3600)
RELHEALTH_PASSWORD_RESET_SECONDS = env.int("RELHEALTH_PASSWORD_RESET_SECONDS", default=24 * 3600)
PASSWORD_RESET_TIMEOUT = max(RELHEALTH_INVITATION_SECONDS, RELHEALTH_PASSWORD_RESET_SECONDS)
# At most one reset email per person in this many seconds, however often the form is sent.
RELHEALTH_PASSWORD_RESET_EVERY_SECONDS = 300
# API tokens expire: the default and the longest lifetime HR may choose, in days.
RELHEALTH_API_TOKEN_DAYS = env.int("RELHEALTH_API_TOKEN_DAYS", default=90)
RELHEALTH_API_TOKEN_MAX_DAYS = env.int("RELHEALTH_API_TOKEN_MAX_DAYS", default=365)
# True under relhealth.settings.production, which does not install the demo app; should a
# settings module install it anyway, `seed_demo` refuses to run without --allow-production (its
# logins share a published password).
RELHEALTH_PRODUCTION = False
# --- end of access settings ------------------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["relhealth.formats"]  # dates as each language writes them
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT: Path | None = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # Front-end libraries come from the npm registry at install time (package-lock.json), never a CDN.
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Audit log (ADR 0006): show a changed team as "Platform", not its id, so HR can read the history.
AUDITLOG_USE_FK_STRING_REPRESENTATION = True

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Email: a file backend by default so a newcomer can read every message in the demo outbox.
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(VAR_DIR / "outbox"))
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Relhealth <relhealth@localhost>")

# Where managers ask HR to stop their digest (its List-Unsubscribe); empty: the first HR admin.
RELHEALTH_HR_CONTACT_EMAIL = env("RELHEALTH_HR_CONTACT_EMAIL", default="")
# Links in emails are absolute; workers have no request to build them from.
RELHEALTH_BASE_URL = env("RELHEALTH_BASE_URL", default="http://127.0.0.1:8000")
# The anonymity threshold k for new rounds (frozen per round once it opens); never below 3.
RELHEALTH_MIN_GROUP_SIZE = max(MIN_GROUP_SIZE_FLOOR, env.int("RELHEALTH_MIN_GROUP_SIZE", default=5))
RELHEALTH_DEMO = env.bool("RELHEALTH_DEMO", default=False)

# Celery: Redis in production and tests; kombu's filesystem transport when REDIS_URL is unset so
# `make run` needs no server.
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_DIR = VAR_DIR / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {"visibility_timeout": 3600}
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR),
        "data_folder_out": str(CELERY_BROKER_DIR),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# The beat ticks in UTC; the tasks decide what is due in each person's time zone.
RELHEALTH_TICK_SECONDS = env.int("RELHEALTH_TICK_SECONDS", default=300)
# A team's round is flagged to HR when fewer than this share of its invitees answered.
RELHEALTH_LOW_PARTICIPATION_PCT = env.int("RELHEALTH_LOW_PARTICIPATION_PCT", default=60)
# The HR heatmap's rendered table is cached under a fingerprint of its inputs (ADR 0016);
# 0 renders it on every request.
RELHEALTH_HEATMAP_CACHE_SECONDS = env.int("RELHEALTH_HEATMAP_CACHE_SECONDS", default=24 * 3600)
# Invitations, reminders and digests reach people only inside these local hours and weekdays
# (0 = Monday). The demo widens them so the rhythm is visible whenever it is started.
RELHEALTH_WORKING_HOURS = tuple(env.list("RELHEALTH_WORKING_HOURS", cast=int, default=[9, 17]))
# Public holidays: "auto" (each time zone's country), a code such as "DE" or "DE-BY", or "none".
RELHEALTH_HOLIDAYS = env("RELHEALTH_HOLIDAYS", default="auto")
RELHEALTH_WORKING_WEEKDAYS = tuple(
    env.list("RELHEALTH_WORKING_WEEKDAYS", cast=int, default=[0, 1, 2, 3, 4])
)
# Anonymous conversations (ADR 0031): the author's messages reach managers in batches at these
# local hours of working days in this zone, never at the moment they were written.
RELHEALTH_CONVERSATION_TIME_ZONE = env("RELHEALTH_CONVERSATION_TIME_ZONE", default="Europe/Berlin")
RELHEALTH_CONVERSATION_BATCH_HOURS = tuple(
    env.list("RELHEALTH_CONVERSATION_BATCH_HOURS", cast=int, default=[9, 15])
)
RELHEALTH_CONVERSATION_RATE_PER_IP = env("RELHEALTH_CONVERSATION_RATE_PER_IP", default="60/m")
CELERY_BEAT_SCHEDULE = {
    "open-due-rounds": {
        "task": "checkins.tasks.surveys_open_due",
        "schedule": RELHEALTH_TICK_SECONDS,
    },
    "close-due-rounds": {
        "task": "checkins.tasks.rounds_close_due",
        "schedule": RELHEALTH_TICK_SECONDS,
    },
    "send-pending-emails": {
        "task": "checkins.tasks.emails_due_send",
        "schedule": RELHEALTH_TICK_SECONDS,
    },
    # Author messages of conversations reach staff in batches, rewritten (ADR 0031).
    "deliver-conversation-messages": {
        "task": "checkins.tasks.messages_deliver",
        "schedule": RELHEALTH_TICK_SECONDS,
    },
    "reshuffle-closed-rounds": {
        "task": "checkins.tasks.rounds_reshuffle_due",
        "schedule": RELHEALTH_TICK_SECONDS,
    },
    "rollup-closed-rounds": {
        "task": "culture.tasks.rounds_rollup_due",
        "schedule": RELHEALTH_TICK_SECONDS,
    },
    "summarise-rolled-up-rounds": {
        "task": "culture.tasks.rounds_summarise_due",
        "schedule": RELHEALTH_TICK_SECONDS,
    },
    # Governance: raw answers and comments past OrgSettings.raw_retention_months go, once a day.
    "purge-expired-raw-data": {
        "task": "culture.tasks.raw_data_retention_apply",
        "schedule": 24 * 3600,
    },
    # Uploaded people files are kept between preview and apply, then deleted (ADR 0027).
    "expire-people-imports": {
        "task": "org.tasks.people_import_jobs_expire",
        "schedule": 3600,
    },
}
# Hours an uploaded people CSV (and its preview) is kept on the server before the sweep deletes it.
RELHEALTH_IMPORT_JOB_HOURS = env.int("RELHEALTH_IMPORT_JOB_HOURS", default=24)

# REST API (/api/v1/, ADR 0012): session for the browser, personal tokens for scripts; one error
# body shape; every request counts against a per-token (else per-person/address) limit in Redis.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON with a nesting limit (api/parsers.py): a deeply nested body is a 400, not a 500.
    "DEFAULT_PARSER_CLASSES": ["api.parsers.DepthLimitedJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.ApiPagination",
    "DEFAULT_FILTER_BACKENDS": ["api.filters.StrictFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ApiRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "api": env("RELHEALTH_API_RATE", default="300/min"),
        "export": env("RELHEALTH_API_EXPORT_RATE", default="20/hour"),
    },
    "EXCEPTION_HANDLER": "api.exceptions.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Relhealth API",
    "DESCRIPTION": (
        "Teams, people, the question bank, surveys and rounds (HR); anonymity-protected scores, "
        "trend summaries, focus areas and CSV exports (managers and HR); open check-ins (everyone). "
        "Authenticate with `Authorization: Bearer <token>` (HR > API tokens) or a session."
    ),
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI comes from the drf-spectacular-sidecar package via whitenoise: no CDN. (No Redoc:
    # it needs inline styles and blob: workers, which the CSP rightly refuses.)
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.error_responses",
        "api.schema.response_fields_required",
    ],
}

# Content Security Policy (django-csp 4): no inline scripts, nothing from other origins.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
# Check-in links carry a token: never leak it to another origin.
SECURE_REFERRER_POLICY = "same-origin"
# Sessions end after 30 idle minutes and 10 hours in any case. Activity extends the idle window
# at most once a minute (org.middleware), not with a session write on every request.
SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = False
RELHEALTH_SESSION_REFRESH_SECONDS = 60
RELHEALTH_SESSION_ABSOLUTE_SECONDS = env.int("DJANGO_SESSION_ABSOLUTE_SECONDS", default=10 * 3600)
X_FRAME_OPTIONS = "DENY"
# Permissions-Policy (django-permissions-policy): nothing here needs a device or a sensor, so
# every powerful feature is denied to the page and to any frame. Passkeys
# (publickey-credentials-*) keep the browser's default, same origin only, for a second factor.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer", "ambient-light-sensor", "autoplay", "bluetooth", "browsing-topics",
        "camera", "display-capture", "encrypted-media", "geolocation", "gyroscope", "hid",
        "idle-detection", "magnetometer", "microphone", "midi", "payment", "screen-wake-lock",
        "serial", "usb", "xr-spatial-tracking",
    )
}  # fmt: skip

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact_tokens": {"()": "relhealth.logfilters.RedactCheckinTokens"},
        "request_id": {"()": "relhealth.requestid.RequestIdFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        # Production logs one JSON object per line (LOG_FORMAT=json, the production default).
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": env("LOG_FORMAT", default="plain"),
            "filters": ["request_id", "redact_tokens"],
        }
    },
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # runserver's access log, which Django would otherwise send to its own unfiltered handler.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
