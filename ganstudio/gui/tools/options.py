"""The tool options bar: which tool, size, hardness, opacity, colour, mask hide/reveal."""

from __future__ import annotations

from PySide6.QtGui import QAction, QActionGroup, QColor, QIcon, QKeySequence, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QComboBox,
    QLabel,
    QSpinBox,
    QToolBar,
    QToolButton,
    QWidget,
)

from ganstudio.gui.tools.paint_tool import ToolSettings

#: tool id → (label, shortcut, tooltip)
TOOLS = {
    "select": ("Select", "M", "Rectangular selection (M)"),
    "brush": ("Brush", "B", "Paint on the active layer (B); [ and ] change the size"),
    "eraser": ("Eraser", "E", "Erase the active layer to transparency (E)"),
    "mask": (
        "Mask brush",
        "Shift+B",
        "Paint the active layer's mask (Shift+B): hide or reveal it; X swaps",
    ),
}


def _swatch(color: tuple[int, int, int]) -> QIcon:
    pixmap = QPixmap(18, 18)
    pixmap.fill(QColor(*color))
    return QIcon(pixmap)


class ToolOptionsBar(QToolBar):
    """A toolbar: the tools as exclusive checkable actions, then the active tool's options."""

    def __init__(self, settings: ToolSettings, parent: QWidget | None = None) -> None:
        super().__init__("Tool options", parent)
        self.setObjectName("toolOptions")
        self.settings = settings
        self.group = QActionGroup(self)
        self.group.setExclusive(True)
        self.tool_actions: dict[str, QAction] = {}
        for tool_id, (label, keys, tip) in TOOLS.items():
            action = QAction(label, self)
            action.setCheckable(True)
            action.setShortcut(QKeySequence(keys))
            action.setToolTip(tip)
            action.setObjectName(f"tool_{tool_id}")
            self.group.addAction(action)
            self.addAction(action)
            self.tool_actions[tool_id] = action
        self.tool_actions["select"].setChecked(True)
        # the theme draws a checked button darker than a plain one: the active tool must
        # stand out, so it gets the accent colour
        self.setStyleSheet(
            "QToolButton:checked { background: #3b6fd1; border-color: #4f8cff;"
            " color: #ffffff; font-weight: bold; }"
        )
        self.addSeparator()
        self.size_spin = self._spin("Size", 1, 1000, " px", "Brush diameter ([ smaller, ] larger)")
        self.hardness_spin = self._spin("Hardness", 0, 100, " %", "100 %: a crisp edge; 0 %: soft")
        self.opacity_spin = self._spin("Opacity", 1, 100, " %", "The most one stroke covers")
        self.color = QToolButton()
        self.color.setObjectName("brushColor")
        self.color.setToolTip("Brush colour")
        self.color.clicked.connect(self.pick_color)
        self.color_label = QLabel(" Colour ")
        self.addWidget(self.color_label)
        self.addWidget(self.color)
        self.mask_mode = QComboBox()
        self.mask_mode.setObjectName("maskMode")
        self.mask_mode.addItems(["Hide (paint out)", "Reveal (paint in)"])
        self.mask_mode.setToolTip("What the mask brush paints; X swaps")
        self.mask_label = QLabel(" Mask ")
        self.mask_label_action = self.addWidget(self.mask_label)
        self.mask_mode_action = self.addWidget(self.mask_mode)
        self.pressure = QCheckBox("Pen pressure")
        self.pressure.setToolTip("A tablet's pressure scales size and opacity (a mouse: full)")
        self.addWidget(self.pressure)
        self.size_spin.valueChanged.connect(lambda v: self.settings.update(size=float(v)))
        self.hardness_spin.valueChanged.connect(lambda v: self.settings.update(hardness=v / 100))
        self.opacity_spin.valueChanged.connect(lambda v: self.settings.update(opacity=v / 100))
        self.mask_mode.currentIndexChanged.connect(
            lambda i: self.settings.update(mask_value=255 if i else 0)
        )
        self.pressure.toggled.connect(
            lambda on: self.settings.update(pressure_size=on, pressure_opacity=on)
        )
        settings.changed.connect(self.refresh)
        self.group.triggered.connect(lambda _a: self.refresh())
        self.refresh()

    def _spin(self, label: str, lo: int, hi: int, suffix: str, tip: str) -> QSpinBox:
        spin = QSpinBox()
        spin.setRange(lo, hi)
        spin.setSuffix(suffix)
        spin.setToolTip(tip)
        spin.setObjectName(f"brush{label}")
        spin.setKeyboardTracking(False)
        self.addWidget(QLabel(f" {label} "))
        self.addWidget(spin)
        return spin

    @property
    def current_tool(self) -> str:
        for tool_id, action in self.tool_actions.items():
            if action.isChecked():
                return tool_id
        return "select"

    def refresh(self) -> None:
        """Show the settings' values; the mask option only for the mask brush."""
        brush = self.settings.brush
        for spin, value in (
            (self.size_spin, round(brush.size)),
            (self.hardness_spin, round(brush.hardness * 100)),
            (self.opacity_spin, round(brush.opacity * 100)),
        ):
            spin.blockSignals(True)
            spin.setValue(value)
            spin.blockSignals(False)
        self.color.setIcon(_swatch(brush.color))
        self.mask_mode.blockSignals(True)
        self.mask_mode.setCurrentIndex(1 if self.settings.mask_value else 0)
        self.mask_mode.blockSignals(False)
        self.pressure.blockSignals(True)
        self.pressure.setChecked(brush.pressure_size)
        self.pressure.blockSignals(False)
        tool = self.current_tool
        painting = tool in ("brush", "eraser", "mask")
        for widget in (self.size_spin, self.hardness_spin, self.opacity_spin, self.pressure):
            widget.setEnabled(painting)
        self.color.setEnabled(tool == "brush")
        self.mask_label_action.setVisible(tool == "mask")
        self.mask_mode_action.setVisible(tool == "mask")

    def pick_color(self) -> None:
        color = QColorDialog.getColor(QColor(*self.settings.brush.color), self, "Brush colour")
        if color.isValid():
            self.settings.update(color=(color.red(), color.green(), color.blue()))


def step_size(size: float, up: bool) -> float:
    """The next brush size for ] (up) or [: about 15 % a step, at least one pixel."""
    delta = max(1.0, round(size * 0.15))
    return max(1.0, min(1000.0, size + delta if up else size - delta))


__all__ = ["TOOLS", "ToolOptionsBar", "step_size"]
