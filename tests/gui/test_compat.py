"""The binding work-around: many void Qt calls must not free ``None``."""

from __future__ import annotations

import sys

from PySide6.QtGui import QColor

import ganstudio.gui  # noqa: F401 - importing the GUI applies the work-around


def test_void_calls_cannot_exhaust_nones_refcount() -> None:
    color = QColor()
    for _ in range(200_000):  # more void calls than None's normal refcount
        color.setRed(1)
    assert sys.version_info >= (3, 12) or sys.getrefcount(None) > 1 << 59
