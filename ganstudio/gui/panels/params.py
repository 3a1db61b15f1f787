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
    QListWidget,
    QListWidgetItem,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ganstudio.core.specs import (
    BoolParam,
    ChoiceParam,
    FaceParam,
    FloatParam,
    IntParam,
    LayerParam,
    ListParam,
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


class ListEditor(QWidget):
    """A :class:`ListParam`'s editor: a checkable list of its choices, or a list of
    items with an entry box, Add and Remove; the value is comma-separated text."""

    changed = Signal()

    def __init__(self, param: ListParam, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.param = param
        self.list = QListWidget()
        self.list.setObjectName(f"list_{param.name}")
        self.list.setProperty("checklist", True)  # theme.py draws its check boxes
        self.list.setMaximumHeight(6 * 20 + 6)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(self.list)
        self.entry: QSpinBox | QLineEdit | None = None
        if param.choices:
            for choice in param.choices:
                item = QListWidgetItem(choice.replace("_", " "))
                item.setData(Qt.ItemDataRole.UserRole, choice)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Unchecked)
                self.list.addItem(item)
            self.list.itemChanged.connect(lambda _item: self.changed.emit())
            return
        self.list.setMaximumHeight(4 * 20 + 6)
        self.entry = QSpinBox() if param.item == "int" else QLineEdit()
        if isinstance(self.entry, QSpinBox):
            self.entry.setRange(0, INT_MAX)
        self.add_button = QToolButton()
        self.add_button.setText("Add")
        self.add_button.clicked.connect(self._add)
        self.remove_button = QToolButton()
        self.remove_button.setText("Remove")
        self.remove_button.clicked.connect(self._remove)
        row = QHBoxLayout()
        row.addWidget(self.entry, 1)
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        lay.addLayout(row)

    def _add(self) -> None:
        text = (
            str(self.entry.value())
            if isinstance(self.entry, QSpinBox)
            else self.entry.text().strip()
            if self.entry is not None
            else ""
        )
        if text:
            self.list.addItem(QListWidgetItem(text))
            self.changed.emit()

    def _remove(self) -> None:
        rows = sorted((self.list.row(i) for i in self.list.selectedItems()), reverse=True)
        if not rows and self.list.count():
            rows = [self.list.count() - 1]
        for row in rows:
            self.list.takeItem(row)
        if rows:
            self.changed.emit()

    def value(self) -> str:
        if self.param.choices:
            return ",".join(
                str(self.list.item(i).data(Qt.ItemDataRole.UserRole))
                for i in range(self.list.count())
                if self.list.item(i).checkState() == Qt.CheckState.Checked
            )
        return ",".join(self.list.item(i).text() for i in range(self.list.count()))

    def set_value(self, text: str) -> None:
        wanted = self.param.items(text)
        self.list.blockSignals(True)
        if self.param.choices:
            for i in range(self.list.count()):
                item = self.list.item(i)
                on = item.data(Qt.ItemDataRole.UserRole) in wanted
                item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
        else:
            self.list.clear()
            self.list.addItems(wanted)
        self.list.blockSignals(False)


class ParamEditor(QWidget):
    """One param's editor; ``changed`` fires on every edit (slider drags included)."""

    changed = Signal()
    #: a :class:`FaceParam`'s pick button: "let me click the face on the canvas"
    pick_requested = Signal(object)  # this editor

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
                self.slider.valueChanged.connect(lambda v: box.setValue(p.min + v * p.step))
                box.valueChanged.connect(self._sync_slider)
                lay.addWidget(self.slider, 1)
            if p.special:
                box.setSpecialValueText(p.special)
            box.valueChanged.connect(self.changed)
            lay.addWidget(box)
            return box
        if isinstance(p, IntParam):
            ibox = QSpinBox()
            ibox.setRange(int(max(p.min, -INT_MAX)), int(min(p.max, INT_MAX)))
            if p.special:
                ibox.setSpecialValueText(p.special)
            ibox.valueChanged.connect(self.changed)
            lay.addWidget(ibox, 1)
            if isinstance(p, SeedParam):
                self.dice = QToolButton()
                self.dice.setIcon(dice_icon())
                self.dice.setToolTip("Random seed")
                self.dice.setObjectName(f"dice_{p.name}")
                self.dice.clicked.connect(
                    lambda: ibox.setValue(random.randint(ibox.minimum(), ibox.maximum()))
                )
                lay.addWidget(self.dice)
            if isinstance(p, FaceParam):
                pick = QToolButton()
                pick.setText("Pick…")
                pick.setToolTip("Outline the faces found in the input and click the one to use")
                pick.setObjectName(f"pick_{p.name}")
                pick.clicked.connect(lambda: self.pick_requested.emit(self))
                lay.addWidget(pick)
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
        if isinstance(p, ListParam):
            items = ListEditor(p)
            items.changed.connect(self.changed)
            lay.addWidget(items, 1)
            return items
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
        if isinstance(e, ListEditor):
            return e.value()
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
        elif isinstance(e, ListEditor):
            e.set_value(str(value))
        elif isinstance(e, QLineEdit):
            e.setText(str(value))


#: more float sliders than this get a filter box and collapsible groups
GROUP_SLIDERS_OVER = 8


def slider_groups(names: list[str]) -> dict[str, list[str]]:
    """Group slider names by a shared prefix (``hair_colour_red`` → "Hair colour").

    A prefix (the name up to its last underscore) shared by two or more names
    makes a group; the rest go to "Other".  A long list of attribute
    directions (background colours, hair colours, …) then reads as a few
    sections instead of one wall.
    """
    prefix = {n: n.rsplit("_", 1)[0] for n in names if "_" in n.strip("_")}
    counts: dict[str, int] = {}
    for p in prefix.values():
        counts[p] = counts.get(p, 0) + 1
    groups: dict[str, list[str]] = {}
    for n in names:
        p = prefix.get(n, "")
        title = p.replace("_", " ").capitalize() if counts.get(p, 0) >= 2 else "Other"
        groups.setdefault(title, []).append(n)
    if "Other" in groups:  # the odd ones last
        groups["Other"] = groups.pop("Other")
    return groups


def longest_slider_run(params: list[Param]) -> list[str]:
    """Names of the longest run of consecutive float sliders (a model's directions)."""
    best: list[str] = []
    run: list[str] = []
    for p in params:
        if isinstance(p, FloatParam) and math.isfinite(p.min) and math.isfinite(p.max):
            run.append(p.name)
            if len(run) > len(best):
                best = list(run)
        else:
            run = []
    return best


class ParamSection(QWidget):
    """A titled, collapsible group of param rows (a header button with an arrow)."""

    def __init__(self, title: str, expanded: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.header = QToolButton()
        self.header.setObjectName("sectionHeader")
        self.header.setText(title)
        self.header.setCheckable(True)
        self.header.setChecked(expanded)
        self.header.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.header.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.header.toggled.connect(self._toggled)
        self.body = QWidget()
        self.form = QFormLayout(self.body)
        self.form.setContentsMargins(12, 0, 0, 0)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 4, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(self.header)
        lay.addWidget(self.body)
        self._toggled(expanded)

    @property
    def expanded(self) -> bool:
        return self.header.isChecked()

    def set_expanded(self, expanded: bool) -> None:
        self.header.setChecked(expanded)

    def _toggled(self, expanded: bool) -> None:
        self.header.setArrowType(Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.RightArrow)
        self.body.setVisible(expanded)


class ParamForm(QWidget):
    """A form of editors; ``changed`` is emitted once per user edit.

    Many sliders (a model's attribute directions) are grouped by name into
    collapsible sections, and :meth:`set_filter` hides the rows that do not
    match a search text.
    """

    changed = Signal()
    pick_requested = Signal(object)  # the ParamEditor of a FaceParam

    def __init__(
        self, params: list[Param], model: Any = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.editors: dict[str, ParamEditor] = {}
        self.sections: dict[str, ParamSection] = {}
        self._rows: dict[str, tuple[QFormLayout, str]] = {}  # name -> (form, search text)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        top = QFormLayout()
        top.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(top)
        sliders = longest_slider_run(params)
        grouped = slider_groups(sliders) if len(sliders) > GROUP_SLIDERS_OVER else {}
        self.groupable = bool(grouped)
        group_of = {n: title for title, names in grouped.items() for n in names}
        by_name = {p.name: p for p in params}
        placed: set[str] = set()
        for p in params:
            if p.name in placed:
                continue
            if p.name not in group_of:
                self._add(top, p, p.title, model)
                placed.add(p.name)
                continue
            for title, names in grouped.items():  # all groups here, "Other" last
                section = ParamSection(
                    f"{title} ({len(names)})", expanded=title == "Other" or len(grouped) == 1
                )
                self.sections[title] = section
                lay.addWidget(section)
                prefix = names[0].rsplit("_", 1)[0] + "_" if title != "Other" else ""
                for name in names:
                    q = by_name[name]
                    label = q.title
                    if prefix and name.startswith(prefix):
                        label = name[len(prefix) :].replace("_", " ").capitalize()
                    self._add(section.form, q, label, model, search=f"{title} {q.title}")
                    placed.add(name)

    def _add(self, form: QFormLayout, p: Param, label: str, model: Any, search: str = "") -> None:
        ed = ParamEditor(p)
        ed.changed.connect(self.changed)
        ed.pick_requested.connect(self.pick_requested)
        reason = p.unavailable(model)
        if reason:
            ed.setEnabled(False)
            ed.setToolTip(f"{p.help}\n\nNot available: {reason}".strip())
            label = f"{label} (n/a)"
        form.addRow(label, ed)
        self.editors[p.name] = ed
        self._rows[p.name] = (form, f"{search or label} {p.name}".lower())

    def set_filter(self, text: str) -> None:
        """Show only the rows whose label or name contains ``text``; sections with a
        match open, the others hide.  An empty text shows everything again."""
        words = text.lower().split()
        shown: set[int] = set()
        for name, (form, haystack) in self._rows.items():
            match = all(w in haystack for w in words)
            form.setRowVisible(self.editors[name], match)
            if match:
                shown.add(id(form))
        for section in self.sections.values():
            hit = id(section.form) in shown
            section.setVisible(hit or not words)
            if words and hit:
                section.set_expanded(True)

    def grouped_names(self) -> list[str]:
        """Params in collapsible sections (a model's many sliders), in order."""
        forms = {id(section.form) for section in self.sections.values()}
        return [name for name, (form, _) in self._rows.items() if id(form) in forms]

    def visible_names(self) -> list[str]:
        """Params whose row is shown (not filtered out, not in a collapsed section)."""
        return [name for name, ed in self.editors.items() if ed.isVisibleTo(self)]

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
