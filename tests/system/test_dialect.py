"""Only `dialect` asks which database it is on (ADR 0039): everything else calls its functions."""

import ast
from pathlib import Path

from django.conf import settings

# What telling the databases apart looks like: the vendor's name, or a feature flag read to pick
# a statement.
ASKING = {"vendor", "has_select_for_update_skip_locked"}


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
    assert asking == set()
