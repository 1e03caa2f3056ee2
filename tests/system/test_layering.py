"""One direction of dependency: dialect <- org <- checkins <- culture <- api <- relhealth (the
project package), and the demo app on top of them all: it reads every app and nothing imports it
(ADR 0038). `dialect` (which database, its fast paths) imports none of ours (ADR 0039)."""

import ast
from pathlib import Path

import pytest
from django.conf import settings

FORBIDDEN = {
    "dialect": {"org", "checkins", "culture", "api", "relhealth", "demo"},
    "org": {"checkins", "culture", "api", "relhealth", "demo"},
    "checkins": {"culture", "api", "relhealth", "demo"},
    "culture": {"api", "relhealth", "demo"},
    "api": {"relhealth", "demo"},
    # The project package names the demo's URLs only by string, where the app is installed.
    "relhealth": {"demo"},
    # The demo seeds through the apps' models and services; it serves no API and no settings.
    "demo": {"api", "relhealth"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("app", sorted(FORBIDDEN))
def test_app_imports_only_downstream(app):
    offenders = {
        str(path.relative_to(settings.BASE_DIR)): sorted(_imports(path) & FORBIDDEN[app])
        for path in (Path(settings.BASE_DIR) / app).rglob("*.py")
        if _imports(path) & FORBIDDEN[app]
    }
    assert offenders == {}
