"""The dark theme: Fusion style, a dark palette and ``resources/style/dark.qss``."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from ganstudio.core import paths

STYLE_DIR = paths.resources_dir() / "style"


def apply_dark_theme(app: QApplication) -> None:
    """Palette first (so native-drawn parts match), then the style sheet for detail."""
    app.setStyle("Fusion")
    pal = QPalette()
    roles = {
        QPalette.ColorRole.Window: "#232427", QPalette.ColorRole.WindowText: "#d8d9dc",
        QPalette.ColorRole.Base: "#1b1c1f", QPalette.ColorRole.AlternateBase: "#202124",
        QPalette.ColorRole.Text: "#d8d9dc", QPalette.ColorRole.Button: "#33353a",
        QPalette.ColorRole.ButtonText: "#d8d9dc", QPalette.ColorRole.Highlight: "#35507f",
        QPalette.ColorRole.HighlightedText: "#ffffff", QPalette.ColorRole.ToolTipBase: "#2b2c30",
        QPalette.ColorRole.ToolTipText: "#d8d9dc", QPalette.ColorRole.PlaceholderText: "#6c6f75",
    }
    for role, color in roles.items():
        pal.setColor(role, QColor(color))
    app.setPalette(pal)
    qss = STYLE_DIR / "dark.qss"
    if qss.is_file():
        app.setStyleSheet(qss.read_text(encoding="utf-8"))
