"""WSGI entry point for gunicorn."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relhealth.settings.local")
application = get_wsgi_application()

# /readyz answers from checks kept in memory: start them now, before the first probe.
from relhealth.health import readiness_warm  # noqa: E402

readiness_warm()
