"""The plugin manager: what each plugin provides, its version and source, its error."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ganstudio.core import paths
from ganstudio.core.registry import Registry


class PluginsDialog(QDialog):
    """``reload`` is called by "Reload plugins" and returns the new registry."""

    def __init__(
        self, registry: Registry, reload: Callable[[], Registry], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Plugins")
        self.resize(720, 420)
        self._reload = reload
        self.tree = QTreeWidget()
        self.tree.setObjectName("pluginTree")
        self.tree.setHeaderLabels(["Plugin", "Version", "Source", "Status", "Provides"])
        self.tree.setRootIsDecorated(False)
        self.tree.setColumnWidth(0, 140)
        self.error = QLabel("")
        self.error.setWordWrap(True)
        self.tree.currentItemChanged.connect(
            lambda item, _: self.error.setText(item.toolTip(3) if item else "")
        )
        self.folder_label = QLabel(f"Your plugins folder: {paths.user_dirs().plugins}")
        self.folder_label.setObjectName("pluginsFolder")
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        open_button = QPushButton("Open plugins folder")
        open_button.setObjectName("openPluginsFolder")
        open_button.setToolTip(
            "Creates the folder if needed; drop a plugin file in it and press Reload plugins"
        )
        open_button.clicked.connect(self.open_folder)
        reload_button = QPushButton("Reload plugins")
        reload_button.setObjectName("reloadPlugins")
        reload_button.clicked.connect(self.reload)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        row = QHBoxLayout()
        row.addWidget(open_button)
        row.addWidget(reload_button)
        row.addStretch(1)
        row.addWidget(close)
        lay = QVBoxLayout(self)
        lay.addWidget(self.tree, 1)
        lay.addWidget(self.error)
        lay.addWidget(self.folder_label)
        lay.addLayout(row)
        self.show_registry(registry)

    def show_registry(self, registry: Registry) -> None:
        self.tree.clear()
        for info in registry.plugins.values():
            provides = "; ".join(f"{k}: {', '.join(v)}" for k, v in info.provides.items())
            item = QTreeWidgetItem(
                self.tree, [info.name, info.version, info.source, info.status, provides or "—"]
            )
            item.setToolTip(0, info.location)
            if info.error:
                item.setToolTip(3, info.error)
                item.setText(4, info.error)
            elif info.disabled:
                item.setToolTip(
                    3, f"switched off: 'ganstudio plugins enable {info.name}' switches it back on"
                )

    def names(self) -> list[str]:
        items = (self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount()))
        return [item.text(0) for item in items if item is not None]

    def reload(self) -> None:
        self.show_registry(self._reload())

    def open_folder(self) -> bool:
        """Create the user plugins folder if needed and show it in the file manager."""
        folder = paths.user_dirs().plugins
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self.error.setText(f"could not create {folder}: {exc}")
            return False
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))
