"""One direction of dependency: dialect <- org <- checkins <- culture <- api <- relhealth (the
project package). `dialect` (which database, its fast paths) imports none of ours."""

import ast
from pathlib import Path

import pytest
from django.conf import settings

FORBIDDEN = {
    "dialect": {"org", "checkins", "culture", "api", "relhealth"},
    "org": {"checkins", "culture", "api", "relhealth"},
    "checkins": {"culture", "api", "relhealth"},
    "culture": {"api", "relhealth"},
    "api": {"relhealth"},
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
