"""Only `dialect` asks which database it is on (ADR 0039): everything else calls its functions."""

import ast
from pathlib import Path

from django.conf import settings

# What telling the databases apart looks like: the vendor's name, or a feature flag read to pick
# a statement.
ASKING = {"vendor", "has_select_for_update_skip_locked"}
# Temporary: the demo seed is moving to an app of its own (issue 19); the lead routes these
# through `dialect` when both land. Do not add to this list.
NOT_YET = {
    "culture/services/demo.py",
    "culture/services/demo_rows.py",
}


def _asks(path: Path) -> bool:
    tree = ast.parse(path.read_text())
    return any(isinstance(node, ast.Attribute) and node.attr in ASKING for node in ast.walk(tree))


def test_only_dialect_asks_which_database():
    root = Path(settings.BASE_DIR)
    asking = {
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if not {".venv", "node_modules", "dialect"} & set(path.relative_to(root).parts)
        and _asks(path)
    }
    assert asking - NOT_YET == set()


def test_the_allowance_shrinks_as_files_are_fixed():
    # A file on the list that no longer asks must leave it, so the list cannot go stale.
    root = Path(settings.BASE_DIR)
    assert {name for name in NOT_YET if (root / name).exists() and not _asks(root / name)} == set()
