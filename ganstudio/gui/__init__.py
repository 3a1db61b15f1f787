"""The Qt desktop shell (PySide6).  The only package that imports Qt."""

from ganstudio.gui.compat import protect_none

protect_none()
