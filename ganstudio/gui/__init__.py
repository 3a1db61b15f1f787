"""The Qt desktop shell (PySide6).  The only package that imports Qt."""
