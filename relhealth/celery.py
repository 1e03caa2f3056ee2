"""The one Celery application. Broker: Redis when REDIS_URL is set, else kombu's filesystem transport."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relhealth.settings.local")

app = Celery("relhealth")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
