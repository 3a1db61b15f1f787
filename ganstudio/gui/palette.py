"""The command palette (Ctrl+Shift+P): one search box over every menu command, every
editor action and every model, so the whole editor is reachable from the keyboard.

Entries are gathered when it opens (menus change with plugins and models);
matching is case-insensitive: every word of the query must appear in the
entry, in order for the best ranks (VS Code's palette, simplified).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)


@dataclass
class PaletteEntry:
    """One thing the palette can run: ``kind`` is "Menu", "Action" or "Model"."""

    kind: str
    label: str
    detail: str
    run: Callable[[], Any]

    @property
    def text(self) -> str:
        return f"{self.kind}: {self.label}"


def score(query: str, text: str) -> int | None:
    """How well ``text`` matches ``query`` (lower is better), None when it does not.

    Every word must be a substring; a match at the start of the text or of a
    word ranks first, then words in order, then any order.
    """
    words = query.lower().split()
    low = text.lower()
    if not words:
        return 0
    positions = []
    for word in words:
        at = low.find(word)
        if at < 0:
            return None
        positions.append(at)
    rank = sum(positions)
    if positions != sorted(positions):
        rank += 1000
    if any(low.startswith(w) or f" {w}" in low or f":{w}" in low for w in words[:1]):
        rank -= 500
    return rank


def menu_entries(menu_bar: Any) -> list[PaletteEntry]:
    """Every enabled, visible QAction in the menus, as "File › Save project"."""
    out: list[PaletteEntry] = []

    def walk(menu: QMenu, path: list[str]) -> None:
        for action in menu.actions():
            if action.isSeparator() or not action.isVisible():
                continue
            title = action.text().replace("&", "")
            sub = action.menu()
            if isinstance(sub, QMenu):
                walk(sub, [*path, title])
                continue
            if not action.isEnabled() or not title:
                continue
            keys = action.shortcut().toString()
            out.append(
                PaletteEntry("Menu", " › ".join([*path, title]), keys, partial(action.trigger))
            )

    for top in menu_bar.actions():
        menu = top.menu()
        if isinstance(menu, QMenu):
            walk(menu, [top.text().replace("&", "")])
    return out


def window_entries(window: Any) -> list[PaletteEntry]:
    """The main window's menus, its model's actions (others pick a model that has them),
    and every model file the browser lists."""
    entries = menu_entries(window.menuBar())
    panel = getattr(window, "actions_panel", None)
    current = {a.id for a in getattr(panel, "action_specs", [])}
    registry = window.registry
    files = list(getattr(window.models, "files", []))
    seen: set[str] = set()
    for action in registry.specs("actions"):
        if action.id in seen:
            continue
        seen.add(action.id)
        if action.id in current:
            entries.append(
                PaletteEntry(
                    "Action",
                    action.name,
                    "current model",
                    partial(_select_action, window, action.id),
                )
            )
            continue
        model = next((mf for mf in files if _offers(registry, mf, action)), None)
        if model is not None:
            entries.append(
                PaletteEntry(
                    "Action",
                    action.name,
                    f"with {model.label}",
                    partial(_select_model_action, window, model, action.id),
                )
            )
    for mf in files:
        entries.append(
            PaletteEntry(
                "Model",
                mf.label,
                mf.variant or "unknown variant",
                partial(window.select_model, mf.path),
            )
        )
    return entries


def _offers(registry: Any, model_file: Any, action: Any) -> bool:
    try:
        variant = registry.variant(model_file.variant)
    except Exception:  # noqa: BLE001 - an unreadable model offers nothing
        return False
    return bool(action.accepts(variant.capabilities, model_file.variant))


def _select_action(window: Any, action_id: str) -> None:
    window.actions_panel.select_action(action_id)
    dock = getattr(window, "docks", {}).get("Action")
    if dock is not None:
        dock.show()
        dock.raise_()


def _select_model_action(window: Any, model_file: Any, action_id: str) -> None:
    window.select_model(model_file.path)
    _select_action(window, action_id)


class CommandPalette(QDialog):
    """A frameless search box over :func:`window_entries`; Enter runs, Esc closes."""

    def __init__(
        self,
        window: Any,
        entries: Callable[[], list[PaletteEntry]] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent or window)
        self.window_ = window
        self.setObjectName("commandPalette")
        self.setWindowTitle("Command palette")
        self.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
        self._source = entries or (lambda: window_entries(window))
        self.entries: list[PaletteEntry] = []
        self.shown: list[PaletteEntry] = []
        self.search = QLineEdit()
        self.search.setObjectName("paletteSearch")
        self.search.setPlaceholderText("Type a command, an action or a model…")
        self.search.textChanged.connect(self.filter)
        self.search.installEventFilter(self)
        self.list = QTreeWidget()  # two columns: what it is, and its shortcut or model
        self.list.setObjectName("paletteList")
        self.list.setColumnCount(2)
        self.list.setHeaderHidden(True)
        self.list.setRootIsDecorated(False)
        self.list.setUniformRowHeights(True)
        self.list.header().setStretchLastSection(False)
        self.list.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.list.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.list.itemActivated.connect(lambda _item, _col: self.run_current())
        self.hint = QLabel("↑↓ to choose · Enter to run · Esc to close")
        self.hint.setObjectName("muted")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 8, 8, 8)
        lay.addWidget(self.search)
        lay.addWidget(self.list, 1)
        lay.addWidget(self.hint)
        self.resize(620, 420)

    def open_palette(self) -> None:
        self.entries = self._source()
        self.search.clear()
        self.filter("")
        parent = self.parentWidget()
        if parent is not None:  # centred near the top, like an editor's palette
            geo = parent.geometry()
            self.move(geo.x() + (geo.width() - self.width()) // 2, geo.y() + 80)
        self.show()
        self.raise_()
        self.activateWindow()
        self.search.setFocus()

    def filter(self, query: str) -> None:
        ranked = [
            (r, i, e)
            for i, e in enumerate(self.entries)
            if (r := score(query, f"{e.text} {e.detail}")) is not None
        ]
        ranked.sort(key=lambda t: (t[0], t[1]))
        self.shown = [e for _, _, e in ranked]
        self.list.clear()
        for entry in self.shown:
            item = QTreeWidgetItem([entry.text, entry.detail])
            item.setForeground(1, self.palette().placeholderText())
            item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.list.addTopLevelItem(item)
        if self.shown:
            self.set_row(0)

    def current_row(self) -> int:
        item = self.list.currentItem()
        return self.list.indexOfTopLevelItem(item) if item is not None else -1

    def set_row(self, row: int) -> None:
        item = self.list.topLevelItem(row)
        if item is not None:
            self.list.setCurrentItem(item)

    def run_current(self) -> bool:
        row = self.current_row()
        if not 0 <= row < len(self.shown):
            return False
        entry = self.shown[row]
        self.hide()
        entry.run()
        return True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        """Arrow keys move in the list while the search box keeps the focus."""
        if watched is self.search and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            key = event.key()
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up) and self.shown:
                step = 1 if key == Qt.Key.Key_Down else -1
                self.set_row((self.current_row() + step) % len(self.shown))
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.run_current()
                return True
            if key == Qt.Key.Key_Escape:
                self.hide()
                return True
        return super().eventFilter(watched, event)


__all__ = ["CommandPalette", "PaletteEntry", "menu_entries", "score", "window_entries"]
