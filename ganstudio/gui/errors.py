"""Errors the user sees: a dialog with a details section, and a log file it names.

Nothing fails silently on the terminal: an exception in a Qt slot reaches
:func:`install_excepthook`'s hook (PySide6 hands uncaught slot exceptions to
``sys.excepthook``), a slot can be wrapped with :func:`guarded`, and a failed
job is shown with :func:`show_error`.  Every report is appended to the log
under the user's data folder (``logs/ganstudio.log``), whose path the dialog gives.
"""

from __future__ import annotations

import functools
import logging
import logging.handlers
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from ganstudio.core import paths

log = logging.getLogger("ganstudio.gui")
_F = TypeVar("_F", bound=Callable[..., Any])


def log_path() -> Path:
    """The log file in the user's data folder (created on first use)."""
    return paths.user_dirs().data / "logs" / "ganstudio.log"


def _logger() -> logging.Logger:
    path = log_path()
    for handler in log.handlers:
        if isinstance(handler, logging.FileHandler) and Path(handler.baseFilename) == path:
            return log
    for handler in list(log.handlers):  # another GANSTUDIO_HOME (tests): a new file
        if isinstance(handler, logging.FileHandler):
            log.removeHandler(handler)
            handler.close()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=1_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError:
        return log  # an unwritable data folder must not turn one error into two
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    return log


def log_error(title: str, message: str, details: str = "") -> Path:
    """Append an error to the log file; returns the file's path."""
    _logger().error("%s: %s%s", title, message, f"\n{details}" if details else "")
    return log_path()


class ErrorDialog(QMessageBox):
    """A warning with the message, the log file's path, and a "Show Details…" section."""

    def __init__(
        self, title: str, message: str, details: str, logged: Path, parent: QWidget | None = None
    ) -> None:
        super().__init__(
            QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Close, parent
        )
        self.setObjectName("errorDialog")
        self.setInformativeText(f"The details are in the log:\n{logged}")
        self.setDetailedText(details or message)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)


def show_error(parent: QWidget | None, title: str, message: str, details: str = "") -> ErrorDialog:
    """Log the error and show it (non-blocking: the window stays usable)."""
    logged = log_error(title, message, details)
    dialog = ErrorDialog(title, message, details, logged, parent)
    dialog.open()
    return dialog


def show_exception(parent: QWidget | None, exc: BaseException, title: str = "") -> ErrorDialog:
    details = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    message = f"{type(exc).__name__}: {exc}"
    return show_error(parent, title or "Something went wrong", message, details)


def guarded(slot: _F) -> _F:
    """A slot that shows a dialog instead of dying on the terminal when it raises."""

    @functools.wraps(slot)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return slot(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - every slot error becomes a dialog
            owner = args[0] if args and isinstance(args[0], QWidget) else None
            show_exception(
                owner, exc, f"{slot.__name__.strip('_').replace('_', ' ').capitalize()} failed"
            )
            return None

    return wrapper  # type: ignore[return-value]


class _Relay(QObject):
    """Carries an exception from any thread to the GUI thread."""

    raised = Signal(str, str)


_relay: _Relay | None = None


def install_excepthook(parent_of: Callable[[], QWidget | None] = lambda: None) -> None:
    """Uncaught exceptions (slots, threads) become a logged dialog on the GUI thread."""
    global _relay
    app = QApplication.instance()
    if app is None:
        return
    _relay = _Relay(app)
    _relay.raised.connect(
        lambda message, details: show_error(parent_of(), "Unexpected error", message, details)
    )

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)
            return
        details = "".join(traceback.format_exception(kind, exc, tb))
        relay = _relay
        if relay is None:
            sys.__excepthook__(kind, exc, tb)
            return
        relay.raised.emit(f"{kind.__name__}: {exc}", details)

    sys.excepthook = hook
    threading.excepthook = lambda a: hook(a.exc_type, a.exc_value or a.exc_type(), a.exc_traceback)
