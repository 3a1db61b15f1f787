"""The GAN lab: a dock where a small GAN trains live on toy data (Tools → GAN lab).

Only the menu entry is made at start-up: the panel (and torch) load when the
lab is first opened, so the window still appears before torch is imported.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QDockWidget

__all__ = ["install_gan_lab", "objective_choices"]


def objective_choices(registry: Any) -> list[tuple[str, str, Any]]:
    """(id, title, factory) of every loaded objective, in registry order."""
    return [(o.id, o.name, o.factory) for o in registry.specs("objectives")]


def install_gan_lab(window: Any) -> QAction:
    """Add Tools → GAN lab to ``window`` (a MainWindow): the one call it makes.

    The dock is made on first use, floating beside the window; its training
    thread stops when the application quits.
    """
    state: dict[str, QDockWidget] = {}

    def show() -> None:
        dock = state.get("dock")
        if dock is None:
            from ganstudio.gui.lab.panel import GanLabPanel

            panel = GanLabPanel(objective_choices(window.registry))
            dock = QDockWidget("GAN lab", window)
            dock.setObjectName("dock_gan_lab")
            dock.setWidget(panel)
            window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
            dock.setFloating(True)
            dock.resize(520, 760)
            app = QApplication.instance()
            if app is not None:
                app.aboutToQuit.connect(panel.shutdown)
            window.destroyed.connect(panel.shutdown)
            state["dock"] = dock
        dock.show()
        dock.raise_()

    tools = next(
        (a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == "Tools"),
        None,
    )
    action = QAction("GAN &lab…", window)
    action.setObjectName("openGanLab")
    action.triggered.connect(show)
    if tools is not None:
        tools.addAction(action)
    return action
