"""Widgets built from an action's typed params (one editor per Param type)."""

from __future__ import annotations

import math
import random
from typing import Any

from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QSlider,
    QSpinBox,
    QToolButton,
    QWidget,
)

from ganstudio.core.specs import (
    BoolParam,
    ChoiceParam,
    FloatParam,
    IntParam,
    LayerParam,
    Param,
    SeedParam,
)

INT_MAX = 2**31 - 1


def dice_icon(size: int = 16) -> QIcon:
    """A die face drawn with QPainter (no emoji font needed)."""
    pix = QPixmap(size, size)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(QColor("#d8d9dc"))
    p.setBrush(QColor("#d8d9dc"))
    p.drawRoundedRect(1, 1, size - 2, size - 2, 3, 3)
    p.setBrush(QColor("#232427"))
    p.setPen(Qt.PenStyle.NoPen)
    r = size / 9
    for x, y in ((0.3, 0.3), (0.7, 0.7), (0.5, 0.5), (0.7, 0.3), (0.3, 0.7)):
        p.drawEllipse(QPointF(x * size, y * size), r, r)
    p.end()
    return QIcon(pix)


class ParamEditor(QWidget):
    """One param's editor; ``changed`` fires on every edit (slider drags included)."""

    changed = Signal()

    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.param = param
        self.setObjectName(f"param_{param.name}")
        self.setToolTip(param.help)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.slider: QSlider | None = None
        self.dice: QToolButton | None = None
        self.editor = self._build(param, lay)
        self.set_value(param.default)

    def _build(self, p: Param, lay: QHBoxLayout) -> QWidget:
        if isinstance(p, FloatParam):
            box = QDoubleSpinBox()
            lo = p.min if math.isfinite(p.min) else -1e9
            hi = p.max if math.isfinite(p.max) else 1e9
            box.setRange(lo, hi)
            box.setSingleStep(p.step)
            box.setDecimals(max(2, -int(math.floor(math.log10(p.step)))) if p.step > 0 else 3)
            if math.isfinite(p.min) and math.isfinite(p.max) and p.step > 0:
                self.slider = QSlider(Qt.Orientation.Horizontal)
                self.slider.setRange(0, max(1, round((p.max - p.min) / p.step)))
                self.slider.valueChanged.connect(
                    lambda v: box.setValue(p.min + v * p.step))
                box.valueChanged.connect(self._sync_slider)
                lay.addWidget(self.slider, 1)
            box.valueChanged.connect(self.changed)
            lay.addWidget(box)
            return box
        if isinstance(p, IntParam):
            ibox = QSpinBox()
            ibox.setRange(int(max(p.min, -INT_MAX)), int(min(p.max, INT_MAX)))
            ibox.valueChanged.connect(self.changed)
            lay.addWidget(ibox, 1)
            if isinstance(p, SeedParam):
                self.dice = QToolButton()
                self.dice.setIcon(dice_icon())
                self.dice.setToolTip("Random seed")
                self.dice.setObjectName(f"dice_{p.name}")
                self.dice.clicked.connect(lambda: ibox.setValue(random.randint(
                    ibox.minimum(), ibox.maximum())))
                lay.addWidget(self.dice)
            return ibox
        if isinstance(p, BoolParam):
            check = QCheckBox()
            check.toggled.connect(self.changed)
            lay.addWidget(check)
            return check
        if isinstance(p, (ChoiceParam, LayerParam)):
            combo = QComboBox()
            if isinstance(p, ChoiceParam):
                combo.addItems(list(p.choices))
            else:
                combo.addItem("(none)", "")
            combo.currentIndexChanged.connect(self.changed)
            lay.addWidget(combo, 1)
            return combo
        line = QLineEdit()
        line.textChanged.connect(self.changed)
        lay.addWidget(line, 1)
        return line

    def _sync_slider(self, value: float) -> None:
        p = self.param
        if self.slider is not None and isinstance(p, FloatParam):
            self.slider.blockSignals(True)
            self.slider.setValue(round((value - p.min) / p.step))
            self.slider.blockSignals(False)

    def set_layers(self, layers: list[tuple[str, str]]) -> None:
        """For a LayerParam: (layer id, name) choices."""
        if isinstance(self.param, LayerParam) and isinstance(self.editor, QComboBox):
            current = self.editor.currentData()
            self.editor.blockSignals(True)
            self.editor.clear()
            self.editor.addItem("(none)", "")
            for ident, name in layers:
                self.editor.addItem(name, ident)
            i = self.editor.findData(current)
            self.editor.setCurrentIndex(max(0, i))
            self.editor.blockSignals(False)

    def value(self) -> Any:
        e = self.editor
        if isinstance(e, (QDoubleSpinBox, QSpinBox)):
            return e.value()
        if isinstance(e, QCheckBox):
            return e.isChecked()
        if isinstance(e, QComboBox):
            return e.currentText() if isinstance(self.param, ChoiceParam) else e.currentData()
        return e.text() if isinstance(e, QLineEdit) else None

    def set_value(self, value: Any) -> None:
        e = self.editor
        if value is None:
            return
        if isinstance(e, QDoubleSpinBox):
            e.setValue(float(value))
            self._sync_slider(e.value())
        elif isinstance(e, QSpinBox):
            e.setValue(int(value))
        elif isinstance(e, QCheckBox):
            e.setChecked(bool(value))
        elif isinstance(e, QComboBox):
            i = e.findText(str(value)) if isinstance(self.param, ChoiceParam) else e.findData(value)
            if i >= 0:
                e.setCurrentIndex(i)
        elif isinstance(e, QLineEdit):
            e.setText(str(value))


class ParamForm(QWidget):
    """A form of editors; ``changed`` is emitted once per user edit."""

    changed = Signal()

    def __init__(self, params: list[Param], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editors: dict[str, ParamEditor] = {}
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        for p in params:
            ed = ParamEditor(p)
            ed.changed.connect(self.changed)
            form.addRow(p.title, ed)
            self.editors[p.name] = ed

    def values(self) -> dict[str, Any]:
        return {name: ed.value() for name, ed in self.editors.items()}

    def set_layers(self, layers: list[tuple[str, str]]) -> None:
        for ed in self.editors.values():
            ed.set_layers(layers)

    def set_values(self, values: dict[str, Any]) -> None:
        """Restore values (Edit again) with one ``changed`` at the end, not one per field."""
        for name, value in values.items():
            ed = self.editors.get(name)
            if ed is not None:
                ed.blockSignals(True)
                ed.set_value(value)
                ed.blockSignals(False)
        self.changed.emit()
