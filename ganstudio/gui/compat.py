"""Work-arounds for bugs in the Qt binding we run on.

PySide6 6.12 on CPython < 3.12 returns ``None`` from void methods without a
new reference (it relies on 3.12's immortal ``None``, PEP 683): every
``painter.setPen(...)``-style call lowers ``None``'s refcount by one, and a
busy window dies after some thousands of calls with "Fatal Python error:
none_dealloc".  We detect the leak once and, if present, give ``None`` a
reference count no run can exhaust — the same effect as 3.12's immortality.
"""

from __future__ import annotations

import ctypes
import sys

from PySide6.QtGui import QColor

#: 2**60 references: at a billion void calls a second, longer than any session
_HEADROOM = 1 << 60


def none_refcount_leaks() -> bool:
    """True when a void PySide6 call takes a reference to ``None`` it never gave."""
    if sys.version_info >= (3, 12):
        return False  # None is immortal
    color = QColor()
    before = sys.getrefcount(None)
    for _ in range(8):
        color.setRed(1)
    return sys.getrefcount(None) < before


def protect_none() -> bool:
    """Apply the work-around when needed; returns whether it was applied."""
    if not none_refcount_leaks():
        return False
    refcnt = ctypes.c_ssize_t.from_address(id(None))  # ob_refcnt is PyObject's first field
    if refcnt.value < _HEADROOM:
        refcnt.value += _HEADROOM
    return True
