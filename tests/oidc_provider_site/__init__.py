"""A real OpenID Connect provider (django-oidc-provider) for the single sign-on tests.

`provider_running` starts it as a second Django process on 127.0.0.1 with its own SQLite file,
people and one client, and stops it afterwards. Nothing here is imported by Relhealth itself.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent.parent
CLIENT_ID = "relhealth-test"
CLIENT_SECRET = "relhealth-test-secret"


@dataclass
class Provider:
    issuer: str
    process: subprocess.Popen


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def provider_running(*, workdir: Path, redirect_uri: str, users: list[dict]) -> Iterator[Provider]:
    """Run the provider until the block ends. `users`: username, password, email,
    email_verified and optionally groups."""
    port = free_port()
    spec = workdir / "spec.json"
    spec.write_text(
        json.dumps(
            {
                "users": users,
                "client": {"id": CLIENT_ID, "secret": CLIENT_SECRET, "redirect_uri": redirect_uri},
            }
        )
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.oidc_provider_site.settings",
        "OP_PORT": str(port),
        "OP_DB": str(workdir / "provider.sqlite3"),
        "OP_SPEC": str(spec),
    }
    for name in ("DATABASE_URL", "REDIS_URL"):
        env.pop(name, None)
    log = (workdir / "provider.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.oidc_provider_site.serve"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    issuer = f"http://127.0.0.1:{port}/openid"
    try:
        _wait_ready(process, issuer, workdir / "provider.log")
        yield Provider(issuer=issuer, process=process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_ready(process: subprocess.Popen, issuer: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"The test OpenID provider exited:\n{log.read_text()}")
        try:
            if requests.get(f"{issuer}/.well-known/openid-configuration", timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"The test OpenID provider did not start:\n{log.read_text()}")
