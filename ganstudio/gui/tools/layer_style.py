"""Blend mode and mask controls for the active layer, placed in the Layers panel.

A separate widget (owned by the editor tools) so the panel itself stays as
it is; it listens to the document like the panel does.
"""

from __future__ import annotations

from PIL import ImageOps
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QIcon, QPixmap
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QMenu, QToolButton, QWidget

from ganstudio.core.document import DocEvent, Document
from ganstudio.core.paint import BLEND_MODES
from ganstudio.gui.canvas import pil_to_qimage


class LayerStyleBar(QWidget):
    """ "Blend [Normal ▾]  [Mask ▾]" for the active layer; every change is one undo step."""

    def __init__(
        self, document: Document, mask_actions: list[QAction], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("layerStyle")
        self.blend = QComboBox()
        self.blend.setObjectName("layerBlend")
        self.blend.setToolTip("How the layer mixes with the layers below it")
        for mode in BLEND_MODES:
            self.blend.addItem(mode.capitalize(), mode)
        self.blend.currentIndexChanged.connect(self._on_blend)
        self.mask_button = QToolButton()
        self.mask_button.setObjectName("layerMask")
        self.mask_button.setText("Mask")
        self.mask_button.setToolTip(
            "Add, apply or remove the active layer's mask; paint it with the mask brush (Shift+B)"
        )
        self.mask_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.mask_button)
        for action in mask_actions:
            menu.addAction(action)
        self.mask_button.setMenu(menu)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(QLabel("Blend"))
        lay.addWidget(self.blend, 1)
        lay.addWidget(self.mask_button)
        self.document = document
        document.connect(self._on_doc)
        self.refresh()

    def set_document(self, document: Document) -> None:
        self.document.disconnect(self._on_doc)
        self.document = document
        document.connect(self._on_doc)
        self.refresh()

    def _on_doc(self, event: DocEvent) -> None:
        if event.kind in ("layers", "layer", "active", "reset", "history"):
            self.refresh()

    def refresh(self) -> None:
        layer = self.document.active
        self.blend.blockSignals(True)
        self.blend.setCurrentIndex(self.blend.findData(layer.blend if layer else "normal"))
        self.blend.blockSignals(False)
        self.blend.setEnabled(layer is not None)
        self.mask_button.setEnabled(layer is not None)
        has_mask = layer is not None and layer.mask is not None
        self.mask_button.setText("Mask ✓" if has_mask else "Mask")
        icon = QIcon()
        if layer is not None and layer.mask is not None:  # what is hidden, at a glance
            thumb = ImageOps.contain(layer.mask, (32, 32))  # no full-size copy
            icon = QIcon(QPixmap.fromImage(pil_to_qimage(thumb.convert("RGBA"))))
        self.mask_button.setIcon(icon)
        self.mask_button.setToolButtonStyle(
            Qt.ToolButtonStyle.ToolButtonTextBesideIcon
            if has_mask
            else Qt.ToolButtonStyle.ToolButtonTextOnly
        )

    def _on_blend(self, _index: int) -> None:
        index = self.document.active_index
        mode = self.blend.currentData()
        if index >= 0 and mode and self.document.layer(index).blend != mode:
            self.document.set_layer(index, blend=mode)
