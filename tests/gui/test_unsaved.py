"""New, Open-as-project, Recover and Quit ask before unsaved work goes (Save/Discard/Cancel)."""

from __future__ import annotations

from PIL import Image
from PySide6.QtGui import QKeySequence

from ganstudio.core.document import Document, autosave


def dirty(window) -> None:
    window.add_image(Image.new("RGB", (16, 16), (200, 10, 10)), "work")
    assert window.document.dirty


def test_ctrl_n_asks_and_cancel_keeps_the_document(qtbot, make_window) -> None:
    window = make_window()
    dirty(window)
    assert window.new_action.shortcut() == QKeySequence(QKeySequence.StandardKey.New)
    make_window.saves.append("cancel")
    window.new_action.trigger()
    assert len(window.document) == 1 and window.document.dirty
    make_window.saves.append("discard")
    window.new_action.trigger()
    assert len(window.document) == 0


def test_save_then_new_writes_the_project_first(make_window, tmp_path) -> None:
    window = make_window()
    dirty(window)
    window.document.path = tmp_path / "kept.gsproj"
    make_window.saves.append("save")
    assert window.new_document()
    assert len(Document.load(tmp_path / "kept.gsproj")) == 1
    assert len(window.document) == 0


def test_open_project_and_recover_ask_too(make_window, tmp_path) -> None:
    window = make_window()
    other = Document()
    other.add_layer(Image.new("RGB", (8, 8)), "other")
    other.save(tmp_path / "other.gsproj")
    dirty(window)
    make_window.saves.append("cancel")
    assert not window.open_path(tmp_path / "other.gsproj")
    assert window.document.layer(0).name == "work"
    # a crash left an autosave: recovering it would replace the unsaved document
    autosave(other, window.store.path.parent)
    make_window.saves.append("cancel")
    window.startup_checks()  # "recover?" is answered yes, "discard yours?" cancel
    assert window.document.layer(0).name == "work"


def test_quit_with_unsaved_work_can_be_cancelled(make_window) -> None:
    window = make_window()
    dirty(window)
    make_window.saves.append("cancel")
    assert not window.close()
    assert window.isVisible()
    window.document.dirty = False
