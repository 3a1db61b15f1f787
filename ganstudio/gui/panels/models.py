"""The model browser: plugins → variants → model files (user, bundled, recent runs)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QPushButton, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from ganstudio.core.model_files import ModelFile, find_model_files
from ganstudio.core.registry import Registry
from ganstudio.core.untrusted import safe_text

PATH_ROLE = Qt.ItemDataRole.UserRole


class ModelBrowser(QWidget):
    """Double-click or select a model file to make it the current model."""

    model_selected = Signal(object)  # ModelFile

    def __init__(self, registry: Registry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.registry = registry
        self.tree = QTreeWidget()
        self.tree.setHeaderHidden(True)
        self.tree.setObjectName("modelTree")
        self.tree.currentItemChanged.connect(self._on_current)
        refresh = QPushButton("Refresh")
        refresh.clicked.connect(self.refresh)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.tree)
        lay.addWidget(refresh)
        self.extra: list[Path] = []
        self.files: list[ModelFile] = []
        self.refresh()

    def set_registry(self, registry: Registry) -> None:
        self.registry = registry
        self.refresh()

    def add_recent(self, path: Path) -> None:
        if path.parent not in self.extra:
            self.extra.append(path.parent)
        self.refresh()
        self.select(path)

    def refresh(self) -> None:
        self.tree.clear()
        self.files = find_model_files(self.extra)
        variant_items: dict[str, QTreeWidgetItem] = {}
        for entry in self.registry.entries("variants"):
            plugin = self._plugin_item(entry.plugin)
            item = QTreeWidgetItem(plugin, [entry.spec.name])
            item.setToolTip(0, entry.spec.description)
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsSelectable)
            variant_items.setdefault(entry.spec.id, item)
        orphans: QTreeWidgetItem | None = None
        unreadable: QTreeWidgetItem | None = None
        for mf in self.files:
            if mf.error:  # listed with the reason, never selectable, never fatal
                if unreadable is None:
                    unreadable = QTreeWidgetItem(self.tree, ["Unreadable model files"])
                    unreadable.setFlags(unreadable.flags() & ~Qt.ItemFlag.ItemIsSelectable)
                bad = QTreeWidgetItem(unreadable, [f"{mf.label} (unreadable)"])
                bad.setToolTip(0, f"{safe_text(mf.path)}\n{safe_text(mf.error)}")
                bad.setFlags(bad.flags() & ~Qt.ItemFlag.ItemIsSelectable)
                continue
            parent = variant_items.get(mf.variant)
            if parent is None:
                if orphans is None:
                    orphans = QTreeWidgetItem(self.tree, ["Other models (no plugin)"])
                parent = orphans
            item = QTreeWidgetItem(parent, [mf.label])
            item.setData(0, PATH_ROLE, str(mf.path))
            item.setToolTip(0, f"{mf.path}\n{mf.source}")
        self.tree.expandAll()

    def _plugin_item(self, name: str) -> QTreeWidgetItem:
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item is not None and item.text(0) == name:
                return item
        item = QTreeWidgetItem(self.tree, [name])
        item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsSelectable)
        return item

    def _items(self) -> list[QTreeWidgetItem]:
        out: list[QTreeWidgetItem] = []
        stack = [self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())]
        while stack:
            item = stack.pop()
            if item is None:
                continue
            out.append(item)
            stack += [item.child(i) for i in range(item.childCount())]
        return out

    def item_for(self, path: Path) -> QTreeWidgetItem | None:
        for item in self._items():
            if item.data(0, PATH_ROLE) and Path(item.data(0, PATH_ROLE)) == Path(path):
                return item
        return None

    def select(self, path: Path) -> bool:
        item = self.item_for(path)
        if item is not None:
            self.tree.setCurrentItem(item)
        return item is not None

    def _on_current(self, item: QTreeWidgetItem | None, _prev: object) -> None:
        if item is None or not item.data(0, PATH_ROLE):
            return
        path = Path(item.data(0, PATH_ROLE))
        for mf in self.files:
            if mf.path == path:
                self.model_selected.emit(mf)
                return
