"""The dark theme: Fusion style, a dark palette and ``resources/style/dark.qss``."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from ganstudio.core import paths

STYLE_DIR = paths.resources_dir() / "style"

#: widgets the window shell adds: check boxes in lists (visible on the dark base),
#: the headers of collapsible param groups, the status bar's job button
SHELL_QSS = """
QListView[checklist="true"]::indicator { width: 12px; height: 12px; border-radius: 2px;
                                         border: 1px solid #7a7d84; background: #1b1c1f; }
QListView[checklist="true"]::indicator:checked { background: #4f8cff; border-color: #4f8cff; }
QToolButton#sectionHeader { border: none; font-weight: bold; padding: 3px 2px;
                            text-align: left; }
QToolButton#jobStatusButton { padding: 1px 6px; }
QPushButton#primary:disabled { background: #33353a; color: #6c6f75; border-color: #3a3b40; }
"""


def apply_dark_theme(app: QApplication) -> None:
    """Palette first (so native-drawn parts match), then the style sheet for detail."""
    app.setStyle("Fusion")
    pal = QPalette()
    roles = {
        QPalette.ColorRole.Window: "#232427",
        QPalette.ColorRole.WindowText: "#d8d9dc",
        QPalette.ColorRole.Base: "#1b1c1f",
        QPalette.ColorRole.AlternateBase: "#202124",
        QPalette.ColorRole.Text: "#d8d9dc",
        QPalette.ColorRole.Button: "#33353a",
        QPalette.ColorRole.ButtonText: "#d8d9dc",
        QPalette.ColorRole.Highlight: "#35507f",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.ToolTipBase: "#2b2c30",
        QPalette.ColorRole.ToolTipText: "#d8d9dc",
        QPalette.ColorRole.PlaceholderText: "#6c6f75",
    }
    for role, color in roles.items():
        pal.setColor(role, QColor(color))
    app.setPalette(pal)
    qss = STYLE_DIR / "dark.qss"
    sheet = qss.read_text(encoding="utf-8") if qss.is_file() else ""
    app.setStyleSheet(sheet + SHELL_QSS)
