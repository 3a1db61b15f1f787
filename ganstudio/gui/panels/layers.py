"""The layers panel: visibility, opacity, order, delete, and "Edit again"."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from ganstudio.core.document import DocEvent, Document, Layer
from ganstudio.gui.canvas import pil_to_qimage


class LayersPanel(QWidget):
    """Top layer first (like every editor); rows map to ``len - 1 - index``."""

    edit_again = Signal(object)  # Layer

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.list = QListWidget()
        self.list.setObjectName("layerList")
        self.list.setIconSize(QSize(40, 40))
        self.list.currentRowChanged.connect(self._on_row)
        self.list.itemChanged.connect(self._on_item_changed)
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity.setObjectName("layerOpacity")
        self.opacity.sliderPressed.connect(self._opacity_begin)
        self.opacity.sliderReleased.connect(self._opacity_end)
        self.opacity.valueChanged.connect(self._on_opacity)
        self._dragging = False
        self.up = QPushButton("▲")
        self.down = QPushButton("▼")
        self.delete = QPushButton("Delete")
        self.again = QPushButton("Edit again")
        self.again.setObjectName("editAgain")
        self.up.setToolTip("Move layer up")
        self.down.setToolTip("Move layer down")
        self.up.clicked.connect(lambda: self._move(+1))
        self.down.clicked.connect(lambda: self._move(-1))
        self.delete.clicked.connect(self._delete)
        self.again.clicked.connect(self._edit_again)
        row = QHBoxLayout()
        for b in (self.up, self.down, self.delete):
            row.addWidget(b)
        row.addStretch(1)
        row.addWidget(self.again)
        op = QHBoxLayout()
        op.addWidget(QLabel("Opacity"))
        op.addWidget(self.opacity, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(op)
        lay.addWidget(self.list, 1)
        lay.addLayout(row)
        self.document = document
        document.connect(self._on_doc)
        self.refresh()

    def set_document(self, document: Document) -> None:
        self.document.disconnect(self._on_doc)
        self.document = document
        document.connect(self._on_doc)
        self.refresh()

    def _index(self, row: int) -> int:
        return len(self.document) - 1 - row

    def _on_doc(self, event: DocEvent) -> None:
        if event.kind in ("layers", "layer", "active", "reset"):
            self.refresh()

    def refresh(self) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        for layer in reversed(self.document.layers):
            item = QListWidgetItem(self._label(layer))
            thumb = layer.image.copy()
            thumb.thumbnail((40, 40))
            item.setIcon(QIcon(QPixmap.fromImage(pil_to_qimage(thumb))))
            flags = Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEditable
            item.setFlags(item.flags() | flags)
            item.setCheckState(Qt.CheckState.Checked if layer.visible else Qt.CheckState.Unchecked)
            item.setToolTip(
                "Generated: " + str(layer.provenance.get("action")) if layer.provenance else ""
            )
            self.list.addItem(item)
        active = self.document.active_index
        if active >= 0:
            self.list.setCurrentRow(self._index(active))
        self.list.blockSignals(False)
        active_layer = self.document.active
        self.opacity.blockSignals(True)
        self.opacity.setValue(round((active_layer.opacity if active_layer else 1.0) * 100))
        self.opacity.blockSignals(False)
        self.again.setEnabled(bool(active_layer and active_layer.provenance))
        for b in (self.up, self.down, self.delete, self.opacity):
            b.setEnabled(active_layer is not None)

    @staticmethod
    def _label(layer: Layer) -> str:
        return f"{layer.name}  ✦" if layer.provenance else layer.name

    # -- user edits ---------------------------------------------------------------
    def _on_row(self, row: int) -> None:
        if row >= 0:
            self.document.set_active(self._index(row))

    def _on_item_changed(self, item: QListWidgetItem) -> None:
        index = self._index(self.list.row(item))
        layer = self.document.layer(index)
        visible = item.checkState() == Qt.CheckState.Checked
        name = item.text().removesuffix("  ✦").strip() or layer.name
        changes: dict[str, object] = {}
        if visible != layer.visible:
            changes["visible"] = visible
        if name != layer.name:
            changes["name"] = name
        if changes:
            self.document.set_layer(index, **changes)

    def _opacity_begin(self) -> None:
        self._dragging = True
        self.document.begin_group("Change opacity")  # one drag is one undo step

    def _opacity_end(self) -> None:
        self._dragging = False
        self.document.end_group()

    def _on_opacity(self, value: int) -> None:
        index = self.document.active_index
        if index >= 0:
            self.document.set_layer(index, opacity=value / 100.0)

    def _move(self, delta: int) -> None:
        i = self.document.active_index
        if i >= 0:
            self.document.move_layer(i, i + delta)

    def _delete(self) -> None:
        i = self.document.active_index
        if i >= 0:
            self.document.remove_layer(i)

    def _edit_again(self) -> None:
        layer = self.document.active
        if layer is not None and layer.provenance:
            self.edit_again.emit(layer)
