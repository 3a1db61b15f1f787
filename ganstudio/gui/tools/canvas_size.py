"""The Canvas size dialog: width, height and where the old page goes (a 3×3 anchor)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QSpinBox,
    QToolButton,
    QWidget,
)

from ganstudio.core.document import ANCHORS

_ARROWS = {
    "top-left": "↖",
    "top": "↑",
    "top-right": "↗",
    "left": "←",
    "center": "●",
    "right": "→",
    "bottom-left": "↙",
    "bottom": "↓",
    "bottom-right": "↘",
}


class CanvasSizeDialog(QDialog):
    """``values()`` → (width, height, anchor); the document does the rest (one undo step)."""

    def __init__(self, size: tuple[int, int], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Canvas size")
        self.width_spin = QSpinBox()
        self.height_spin = QSpinBox()
        for spin, value in ((self.width_spin, size[0]), (self.height_spin, size[1])):
            spin.setRange(1, 65536)
            spin.setSuffix(" px")
            spin.setValue(value)
        self.width_spin.setObjectName("canvasWidth")
        self.height_spin.setObjectName("canvasHeight")
        self.anchor_group = QButtonGroup(self)
        grid = QGridLayout()
        grid.setSpacing(2)
        self.anchor_buttons: dict[str, QToolButton] = {}
        for i, name in enumerate(ANCHORS):
            button = QToolButton()
            button.setText(_ARROWS[name])
            button.setCheckable(True)
            button.setFixedSize(28, 28)
            button.setToolTip(f"Keep the picture at the {name.replace('-', ' ')}")
            self.anchor_group.addButton(button, i)
            self.anchor_buttons[name] = button
            grid.addWidget(button, i // 3, i % 3)
        self.anchor_buttons["center"].setChecked(True)
        anchor_box = QWidget()
        anchor_box.setLayout(grid)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(f"Now {size[0]} × {size[1]} px", QWidget())
        form.addRow("Width", self.width_spin)
        form.addRow("Height", self.height_spin)
        form.addRow("Anchor", anchor_box)
        form.addRow(buttons)

    @property
    def anchor(self) -> str:
        return list(ANCHORS)[max(0, self.anchor_group.checkedId())]

    def set_anchor(self, name: str) -> None:
        self.anchor_buttons[name].setChecked(True)

    def values(self) -> tuple[int, int, str]:
        return self.width_spin.value(), self.height_spin.value(), self.anchor
