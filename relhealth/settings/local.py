"""Settings for `make run` on a laptop: SQLite and the filesystem broker unless told otherwise."""

from .base import *  # noqa: F403
from .base import CELERY_BROKER_DIR, INSTALLED_APPS, VAR_DIR, env

# The demo: `seed_demo` and the demo outbox (ADR 0038; production does not install it).
INSTALLED_APPS = [*INSTALLED_APPS, "demo"]

DEBUG = env.bool("DJANGO_DEBUG", default=True)
RELHEALTH_DEMO = env.bool("RELHEALTH_DEMO", default=True)

# The demo keeps its database, outbox and broker queue under var/ (git-ignored).
for _folder in (VAR_DIR, VAR_DIR / "outbox", CELERY_BROKER_DIR / "processed"):
    _folder.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = True
# Look files up again on every request only while developing (the bench runs with DEBUG off).
WHITENOISE_AUTOREFRESH = DEBUG
STATIC_ROOT = None
