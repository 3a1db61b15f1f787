"""The GUI's plugin manager: the user plugins folder is named and can be opened (created)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")


def test_open_plugins_folder_creates_it(qtbot, isolated_home: Path, monkeypatch) -> None:
    from PySide6.QtGui import QDesktopServices

    from ganstudio import plugins
    from ganstudio.gui.dialogs.plugins import PluginsDialog

    opened: list[str] = []
    monkeypatch.setattr(
        QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True
    )
    reg = plugins.discover(safe_mode=True)
    dialog = PluginsDialog(reg, lambda: reg)
    qtbot.addWidget(dialog)
    folder = isolated_home / "plugins"
    assert str(folder) in dialog.folder_label.text()
    assert not folder.exists()
    from PySide6.QtWidgets import QPushButton

    button = dialog.findChild(QPushButton, "openPluginsFolder")
    button.click()
    assert folder.is_dir() and opened == [str(folder)]
    assert "dcgan" in dialog.names()
