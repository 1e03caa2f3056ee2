"""The demo app is installed by the local and test settings, never by production's (ADR 0038):
a production install has no `seed_demo` command and no demo outbox to reach."""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.apps import apps
from django.core.management import get_commands
from django.core.management.utils import get_random_secret_key
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, django
django.setup()
from django.apps import apps
from django.core.management import get_commands
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
try:
    reverse("demo:outbox")
    named = True
except NoReverseMatch:
    named = False
try:
    resolve("/demo/outbox/")
    routed = True
except Resolver404:
    routed = False
print(json.dumps({"installed": apps.is_installed("demo"), "command": "seed_demo" in get_commands(),
                  "named": named, "routed": routed}))
"""


def test_the_test_settings_install_the_demo():
    """The control: where the demo app is installed, the probe's three answers are yes."""
    assert apps.is_installed("demo") and "seed_demo" in get_commands()
    assert reverse("demo:outbox") == "/demo/outbox/"


def test_production_settings_have_no_seed_demo_and_no_outbox():
    env = {
        "PATH": os.environ.get("PATH", ""),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "relhealth.settings.production",
        "DJANGO_SECRET_KEY": get_random_secret_key(),
        "DJANGO_ALLOWED_HOSTS": "example.org",
        "DEFAULT_FROM_EMAIL": "Relhealth <pulse@acme-corp.eu>",
        "RELHEALTH_BASE_URL": "https://pulse.acme-corp.eu",
    }
    done = subprocess.run(  # noqa: S603 - our own interpreter and probe
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found == {"installed": False, "command": False, "named": False, "routed": False}
