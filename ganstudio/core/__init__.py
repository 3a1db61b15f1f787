"""Qt-free core: importable and testable without a display."""
