"""Row locks live in one place per app: every ``select_for_update`` call is in a file named
``lock_objects.py`` (docs/ARCHITECTURE.md), read from the source with ``ast``."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "seatwise"


def _select_for_update_lines(path: Path) -> list[int]:
    """The lines of ``path`` with a ``<anything>.select_for_update(...)`` call."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return sorted(
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "select_for_update"
    )


def _calls_by_file() -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        lines = _select_for_update_lines(path)
        if lines:
            found[path.relative_to(ROOT).as_posix()] = lines
    return found


def test_select_for_update_only_in_lock_objects():
    """Given the seatwise package, when its source is parsed, then no select_for_update call
    is outside a lock_objects.py."""
    outside = [
        f"{name}:{line}"
        for name, lines in _calls_by_file().items()
        if Path(name).name != "lock_objects.py"
        for line in lines
    ]

    assert outside == [], "move these row locks into the app's lock_objects.py: " + ", ".join(
        outside
    )


def test_finds_attribute_calls(tmp_path):
    """Given a module with a chained and a plain select_for_update call and a mere mention,
    when it is parsed, then both calls are found and the mention is not."""
    module = tmp_path / "services.py"
    module.write_text(
        "rows = Row.objects.filter(a=1)\n"
        "rows = rows.select_for_update(of=('self',))\n"
        "held = (\n"
        "    Row.objects.select_for_update()\n"
        "    .get(pk=1)\n"
        ")\n"
        "name = 'select_for_update'\n"
        "method = Row.objects.select_for_update\n",
        encoding="utf-8",
    )

    assert _select_for_update_lines(module) == [2, 4]
