"""Settings: device, folders and the autosave interval (stored in settings.json)."""

from __future__ import annotations

import sys
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ganstudio.core import paths


def device_choices() -> list[str]:
    """Every device once torch is loaded (it loads in the background at start-up)."""
    if "torch" in sys.modules:
        from ganstudio.core.device import available_devices

        return available_devices()
    return ["auto", "cpu"]


class SettingsDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        settings = paths.load_settings()
        dirs = paths.user_dirs()
        self.device = QComboBox()
        self.device.setObjectName("device")
        self.device.addItems(device_choices())
        i = self.device.findText(str(settings.get("device", "auto")))
        self.device.setCurrentIndex(max(0, i))
        self.autosave = QSpinBox()
        self.autosave.setObjectName("autosave")
        self.autosave.setRange(0, 120)
        self.autosave.setSuffix(" min")
        self.autosave.setSpecialValueText("off")
        self.autosave.setValue(int(settings.get("autosave_minutes", 3)))
        self.models_dir = QLineEdit(str(settings.get("models_dir", dirs.models)))
        self.runs_dir = QLineEdit(str(settings.get("runs_dir", dirs.runs)))
        plugins = QLabel(str(dirs.plugins))
        plugins.setObjectName("muted")
        form = QFormLayout()
        form.addRow("Device", self.device)
        form.addRow("Autosave every", self.autosave)
        form.addRow("Models folder", self.models_dir)
        form.addRow("Runs folder", self.runs_dir)
        form.addRow("Plugins folder", plugins)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(buttons)

    def values(self) -> dict[str, Any]:
        return {
            "device": self.device.currentText(),
            "autosave_minutes": self.autosave.value(),
            "models_dir": self.models_dir.text().strip(),
            "runs_dir": self.runs_dir.text().strip(),
        }

    def accept(self) -> None:
        paths.update_settings(**self.values())
        super().accept()
