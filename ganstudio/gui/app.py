"""``ganstudio`` with no command: start the desktop application.

The window appears before torch is imported: plugin discovery is cheap, and a
background job imports torch while the user looks around.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from ganstudio import __version__, plugins
from ganstudio.core import hostmem
from ganstudio.gui.errors import install_excepthook
from ganstudio.gui.main_window import MainWindow
from ganstudio.gui.tasks import warm_up_job
from ganstudio.gui.theme import apply_dark_theme

ORGANIZATION = "GAN Studio"
APPLICATION = "GAN Studio"


def make_app(argv: list[str]) -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(["ganstudio", *argv])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationVersion(__version__)
    apply_dark_theme(app)
    return app


def create_window(safe_mode: bool = False) -> MainWindow:
    """Discover plugins (no torch) and build the window; the caller shows it."""
    registry = plugins.get_registry(safe_mode=True if safe_mode else None)
    return MainWindow(registry, safe_mode=safe_mode)


def main(argv: list[str], safe_mode: bool = False) -> int:
    hostmem.tune()  # before the worker threads start (see core/hostmem.py)
    app = make_app(argv)
    window = create_window(safe_mode)
    install_excepthook(lambda: window)
    window.show()
    QTimer.singleShot(0, lambda: window.runner.submit(warm_up_job()))
    QTimer.singleShot(100, window.startup_checks)
    return int(app.exec())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
