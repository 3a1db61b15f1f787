"""The house rules, enforced: Qt only in gui/, plugins only through the contract."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CONTRACT = {
    "ganstudio.hookspecs",
    "ganstudio.core.specs",
    "ganstudio.errors",
    "ganstudio.blocks",
    "ganstudio.stabilisers",
    "ganstudio.core.photo",
    "ganstudio.core.voxels",
}


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_only_gui_imports_qt() -> None:
    offenders = []
    for path in (REPO / "ganstudio").rglob("*.py"):
        rel = path.relative_to(REPO / "ganstudio")
        if "gui" in rel.parts or rel.as_posix() == "__main__.py":  # the app launcher
            continue
        if rel.as_posix() == "testing.py":  # its action_panel fixture imports the GUI lazily;
            continue  # test_plugins_testing checks that importing it loads no Qt
        bad = {
            m
            for m in imports(path)
            if m.split(".")[0] in {"PySide6", "PyQt5", "PyQt6", "shiboken6"}
            or m.startswith("ganstudio.gui")
        }
        if bad:
            offenders.append(f"{path.relative_to(REPO)}: {sorted(bad)}")
    assert not offenders, offenders


def test_builtin_plugins_use_only_the_contract() -> None:
    offenders = []
    for path in (REPO / "plugins").rglob("*.py"):
        bad = {m for m in imports(path) if m.startswith("ganstudio") and m not in CONTRACT}
        if bad:
            offenders.append(f"{path.relative_to(REPO)}: {sorted(bad)}")
    assert not offenders, offenders
