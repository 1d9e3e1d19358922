"""notifications gets plain data: it imports nothing of booking or workers (DESIGN: imports point one way)."""

from __future__ import annotations

import ast
from pathlib import Path

import notifications


def test_notifications_imports_nothing_of_booking_or_workers():
    for path in Path(notifications.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(name.split(".")[0] in ("booking", "workers") for name in names), (path.name, names)
