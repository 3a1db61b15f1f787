"""New training: variant, data source, config form (from the config dataclass), options."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ganstudio.builtin import PROCEDURAL_SETS
from ganstudio.core import paths
from ganstudio.core.registry import Registry
from ganstudio.core.specs import STABILISERS, ConfigError, apply_overrides, config_fields
from ganstudio.gui.tasks import TrainSpec


def _kind(field: dataclasses.Field[Any]) -> str:
    t = field.type if isinstance(field.type, str) else getattr(field.type, "__name__", "")
    return t.strip()


def _editor(field: dataclasses.Field[Any], value: Any) -> QWidget:
    kind = _kind(field)
    ed: QWidget
    if kind == "bool":
        ed = QCheckBox()
        ed.setChecked(bool(value))
    elif kind == "int":
        ed = QSpinBox()
        ed.setRange(-(2**31) + 1, 2**31 - 1)
        ed.setValue(int(value))
    elif kind == "float":
        ed = QDoubleSpinBox()
        ed.setDecimals(6)
        ed.setRange(-1e9, 1e9)
        ed.setValue(float(value))
    else:
        text = ", ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
        ed = QLineEdit(text)
    ed.setObjectName(f"config_{field.name}")
    return ed


#: config fields that belong to a stabiliser (StabiliserConfig), shown in their own group
_STABILISER_FIELDS = {name for info in STABILISERS.values() for name in info.fields}


class ConfigForm(QWidget):
    """One editor per user-settable field of a variant's config, with its default.

    The stabilisers the variant supports (``Variant.stabilisers``) get a group of
    their own, each with the seeds' one-line explanation; the fields of those it
    does not support are not shown (and keep their "off" defaults).
    """

    def __init__(
        self,
        config_cls: type,
        parent: QWidget | None = None,
        stabilisers: frozenset[str] = frozenset(),
    ) -> None:
        super().__init__(parent)
        self.editors: dict[str, QWidget] = {}
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        form = QFormLayout()
        lay.addLayout(form)
        defaults = config_cls()
        fields = {f.name: f for f in config_fields(config_cls)}
        for f in fields.values():
            if f.name in _STABILISER_FIELDS:
                continue
            ed = _editor(f, getattr(defaults, f.name))
            form.addRow(f.name.replace("_", " "), ed)
            self.editors[f.name] = ed
        shown = [n for n in STABILISERS if n in stabilisers]
        self.stabiliser_box: QGroupBox | None = None
        if not shown:
            return
        box = QGroupBox("Stabilisers")
        box.setObjectName("stabilisers")
        rows = QFormLayout(box)
        for name in shown:
            info = STABILISERS[name]
            for i, field_name in enumerate(info.fields):
                if field_name not in fields:
                    continue
                ed = _editor(fields[field_name], getattr(defaults, field_name))
                ed.setToolTip(info.explanation)
                rows.addRow(info.title if i == 0 else f"  {field_name.replace('_', ' ')}", ed)
                self.editors[field_name] = ed
            note = QLabel(info.explanation)
            note.setObjectName(f"explain_{name}")
            note.setWordWrap(True)
            note.setStyleSheet("color: palette(placeholder-text); font-size: small;")
            rows.addRow(note)
        scroll = QScrollArea()
        scroll.setWidget(box)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumHeight(220)
        lay.addWidget(scroll, 1)
        self.stabiliser_box = box

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, ed in self.editors.items():
            if isinstance(ed, QCheckBox):
                out[name] = ed.isChecked()
            elif isinstance(ed, (QSpinBox, QDoubleSpinBox)):
                out[name] = ed.value()
            elif isinstance(ed, QLineEdit):
                out[name] = ed.text()
        return out

    def set_value(self, name: str, value: Any) -> None:
        ed = self.editors[name]
        if isinstance(ed, QCheckBox):
            ed.setChecked(bool(value))
        elif isinstance(ed, (QSpinBox, QDoubleSpinBox)):
            ed.setValue(value)
        elif isinstance(ed, QLineEdit):
            ed.setText(str(value))


class TrainDialog(QDialog):
    def __init__(self, registry: Registry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New training")
        self.registry = registry
        self.variants = [e for e in registry.entries("variants") if e.spec.routine is not None]
        self.variant_combo = QComboBox()
        self.variant_combo.setObjectName("variantCombo")
        for e in self.variants:
            self.variant_combo.addItem(e.spec.name, registry.preferred_id("variants", e))
        self.variant_combo.currentIndexChanged.connect(self._rebuild_config)
        self.source = QComboBox()
        self.source.setObjectName("dataSource")
        for name in PROCEDURAL_SETS:
            self.source.addItem(f"Procedural: {name}", f"procedural:{name}")
        self.source.addItem("Image folder…", "folder")
        self.count = QSpinBox()
        self.count.setRange(8, 10_000_000)
        self.count.setValue(10_000)
        self.folder = QLineEdit()
        self.folder.setPlaceholderText("folder of images")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(browse)
        self.steps = QSpinBox()
        self.steps.setObjectName("steps")
        self.steps.setRange(1, 10_000_000)
        self.steps.setValue(2000)
        self.batch = QSpinBox()
        self.batch.setObjectName("batchSize")
        self.batch.setRange(1, 4096)
        self.batch.setValue(64)
        self.sample_every = QSpinBox()
        self.sample_every.setRange(0, 1_000_000)
        self.sample_every.setValue(200)
        self.out = QLineEdit()
        self.out.setObjectName("outFolder")
        data = QFormLayout()
        data.addRow("Variant", self.variant_combo)
        data.addRow("Data", self.source)
        data.addRow("Images (procedural)", self.count)
        data.addRow("Folder", folder_row)
        data.addRow("Steps", self.steps)
        data.addRow("Batch size", self.batch)
        data.addRow("Samples every", self.sample_every)
        data.addRow("Run folder", self.out)
        self.config_box = QGroupBox("Model config")
        self.config_layout = QVBoxLayout(self.config_box)
        self.config_form: ConfigForm | None = None
        self.error = QLabel("")
        self.error.setObjectName("trainError")
        self.error.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Start training")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(data)
        lay.addWidget(self.config_box)
        lay.addWidget(self.error)
        lay.addWidget(self.buttons)
        self._rebuild_config()

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Training images")
        if folder:
            self.folder.setText(folder)
            self.source.setCurrentIndex(self.source.findData("folder"))

    def _rebuild_config(self) -> None:
        if self.config_form is not None:
            self.config_layout.removeWidget(self.config_form)
            self.config_form.hide()  # gone at once, not when the deferred delete runs
            self.config_form.deleteLater()
            self.config_form = None
        i = self.variant_combo.currentIndex()
        if 0 <= i < len(self.variants):
            spec = self.variants[i].spec
            self.config_form = ConfigForm(spec.config, stabilisers=spec.stabilisers)
            self.config_layout.addWidget(self.config_form)
            ident = self.variant_combo.currentData().split(":")[-1]
            stamp = time.strftime("%Y%m%d-%H%M%S")
            self.out.setText(str(paths.user_dirs().runs / f"{ident}-{stamp}"))

    def data_spec(self) -> str:
        src = self.source.currentData()
        if src == "folder":
            return self.folder.text().strip()
        return f"{src}?count={self.count.value()}"

    def spec(self) -> TrainSpec:
        """The job spec; raises ConfigError with a readable message when a value is wrong."""
        variant_id = self.variant_combo.currentData()
        variant = self.registry.variant(variant_id)
        values = self.config_form.values() if self.config_form else {}
        apply_overrides(variant.config(), values)  # validate now, in the dialog
        if not self.data_spec():
            raise ConfigError("choose a folder of training images")
        if not self.out.text().strip():
            raise ConfigError("choose a run folder")
        options = {
            "steps": self.steps.value(),
            "batch_size": self.batch.value(),
            "sample_every": self.sample_every.value(),
            "num_workers": 0,
            "checkpoint_every": max(1, min(500, self.steps.value() // 4)),
        }
        return TrainSpec(variant_id, self.data_spec(), self.out.text().strip(), values, options)

    def accept(self) -> None:
        try:
            self.result_spec = self.spec()
        except ConfigError as exc:
            self.error.setText(str(exc))
            return
        super().accept()
