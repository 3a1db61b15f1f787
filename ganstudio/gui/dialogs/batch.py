"""Batch: map a batchable image→image action over a folder as a background job."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ganstudio.core.model_files import ModelFile
from ganstudio.core.registry import Registry
from ganstudio.core.specs import Action
from ganstudio.gui.panels.params import ParamForm
from ganstudio.gui.tasks import BatchSpec, ModelCache, batch_job
from ganstudio.gui.workers import JobRunner


def batch_actions(registry: Registry, model: ModelFile) -> list[Action]:
    try:
        variant = registry.variant(model.variant)
    except Exception:  # noqa: BLE001 - a model no plugin reads has no actions
        return []
    return [
        a
        for a in registry.actions_for(variant.capabilities, model.variant)
        if a.batchable and a.input_kind == "image"
    ]


class BatchDialog(QDialog):
    def __init__(
        self,
        registry: Registry,
        models: list[ModelFile],
        runner: JobRunner,
        cache: ModelCache,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Batch process a folder")
        self.registry, self.runner, self.cache = registry, runner, cache
        self.models = [m for m in models if batch_actions(registry, m)]
        self.model_combo = QComboBox()
        for m in self.models:
            self.model_combo.addItem(m.label, str(m.path))
        self.action_combo = QComboBox()
        self.action_specs: list[Action] = []
        self.form_host = QVBoxLayout()
        self.form: ParamForm | None = None
        self.in_dir = self._folder_row("Input folder")
        self.out_dir = self._folder_row("Output folder")
        self.fmt = QComboBox()
        self.fmt.addItem("Same as input", None)
        for f in ("png", "jpg", "webp"):
            self.fmt.addItem(f.upper(), f)
        self.recursive = QCheckBox("Include sub-folders")
        self.error = QLabel(
            "" if self.models else "No model offers a batch action (e.g. an upscaler)."
        )
        self.error.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Model", self.model_combo)
        form.addRow("Action", self.action_combo)
        form.addRow("Input", self.in_dir[0])
        form.addRow("Output", self.out_dir[0])
        form.addRow("Format", self.fmt)
        form.addRow("", self.recursive)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Start batch")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addLayout(self.form_host)
        lay.addWidget(self.error)
        lay.addWidget(self.buttons)
        self.model_combo.currentIndexChanged.connect(self._model_changed)
        self.action_combo.currentIndexChanged.connect(self._action_changed)
        self._model_changed()

    def _folder_row(self, title: str) -> tuple[QWidget, QLineEdit]:
        host = QWidget()
        row = QHBoxLayout(host)
        row.setContentsMargins(0, 0, 0, 0)
        line = QLineEdit()
        browse = QPushButton("Browse…")
        browse.clicked.connect(
            lambda: line.setText(QFileDialog.getExistingDirectory(self, title) or line.text())
        )
        row.addWidget(line, 1)
        row.addWidget(browse)
        return host, line

    def _model_changed(self) -> None:
        i = self.model_combo.currentIndex()
        self.action_specs = batch_actions(self.registry, self.models[i]) if i >= 0 else []
        self.action_combo.blockSignals(True)
        self.action_combo.clear()
        for a in self.action_specs:
            self.action_combo.addItem(a.name, a.id)
        self.action_combo.blockSignals(False)
        self._action_changed()

    def _action_changed(self) -> None:
        if self.form is not None:
            self.form_host.removeWidget(self.form)
            self.form.deleteLater()
            self.form = None
        i = self.action_combo.currentIndex()
        if 0 <= i < len(self.action_specs):
            action = self.action_specs[i]
            model = self.cache.loaded(self.model_combo.currentData())
            if not callable(action.params) or model is not None:
                self.form = ParamForm(action.params_for(model))
                self.form_host.addWidget(self.form)

    def spec(self) -> BatchSpec | None:
        i = self.action_combo.currentIndex()
        if i < 0 or not self.in_dir[1].text() or not self.out_dir[1].text():
            return None
        return BatchSpec(
            self.model_combo.currentData(),
            self.action_specs[i].id,
            self.in_dir[1].text(),
            self.out_dir[1].text(),
            self.form.values() if self.form else {},
            self.recursive.isChecked(),
            self.fmt.currentData(),
        )

    def accept(self) -> None:
        spec = self.spec()
        if spec is None:
            self.error.setText("Choose a model, an action, an input and an output folder.")
            return
        self.runner.submit(batch_job(self.cache, spec))
        super().accept()
