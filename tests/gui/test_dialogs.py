"""Plugin manager, settings, and a start-up that never imports torch on the GUI thread."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from ganstudio.core import paths

DROP_IN = textwrap.dedent("""
    from ganstudio.core.specs import Action, ActionResult
    GANSTUDIO_API = 1
    __version__ = "0.3"

    def ganstudio_actions():
        return [Action("dropped", "Dropped action", lambda m, p, i: ActionResult([]))]
""")

BROKEN = "GANSTUDIO_API = 1\nraise ImportError('needs a library that is missing')\n"


def test_plugin_manager_lists_versions_errors_and_reloads_drop_ins(
    qtbot, window, isolated_home
) -> None:
    dialog = window.open_plugins_dialog()
    qtbot.addWidget(dialog)
    assert "dcgan" in dialog.names()
    row = dialog.names().index("dcgan")
    assert dialog.tree.topLevelItem(row).text(1) == "1.0"
    folder = paths.user_dirs().plugins
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dropped_in.py").write_text(DROP_IN)
    (folder / "broken_one.py").write_text(BROKEN)
    reload_button = dialog.findChild(QPushButton, "reloadPlugins")
    qtbot.mouseClick(reload_button, Qt.MouseButton.LeftButton)
    names = dialog.names()
    assert "dropped_in" in names and "broken_one" in names
    broken = dialog.tree.topLevelItem(names.index("broken_one"))
    assert broken.text(3) == "failed" and "missing" in broken.text(4)
    dropped = dialog.tree.topLevelItem(names.index("dropped_in"))
    assert dropped.text(1) == "0.3" and "dropped" in dropped.text(4)
    assert "dropped" in [a.id for a in window.registry.specs("actions")]


def test_settings_dialog_saves_device_and_autosave_interval(qtbot, window) -> None:
    dialog = window.open_settings_dialog()
    qtbot.addWidget(dialog)
    assert dialog.device.findText("cpu") >= 0
    dialog.autosave.setValue(7)
    dialog.device.setCurrentIndex(dialog.device.findText("cpu"))
    dialog.accept()
    saved = json.loads((paths.user_dirs().config / "settings.json").read_text())
    assert saved["autosave_minutes"] == 7 and saved["device"] == "cpu"
    assert window.autosave_timer.interval() == 7 * 60_000
    assert window.cache.device == "cpu"


def test_window_appears_without_importing_torch(tmp_path) -> None:
    code = textwrap.dedent("""
        import os, sys
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        from ganstudio.gui.app import create_window, make_app
        app = make_app([])
        w = create_window()
        w.show()
        app.processEvents()
        assert w.models.tree.topLevelItemCount() > 0
        print("torch" in sys.modules)
    """)
    env = {
        "GANSTUDIO_HOME": str(tmp_path),
        "PATH": "/usr/bin:/bin",
        "XDG_CONFIG_HOME": str(tmp_path / "xdg"),
    }
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "False"
