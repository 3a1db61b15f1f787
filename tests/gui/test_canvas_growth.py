"""Opening into a document with layers asks where the image goes; the canvas grows to
hold it (undoably); the view centres and fits the page; a first result sizes the canvas."""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent


def picture(path: Path, size, color=(200, 40, 40)) -> Path:
    Image.new("RGB", size, color).save(path)
    return path


def answer_open(monkeypatch, window, answers: list[str], asked: list[str]) -> None:
    def ask(name: str, default: str) -> str:
        asked.append(default)
        return answers.pop(0)

    monkeypatch.setattr(window, "ask_open_into", ask)


def page_is_centred(window) -> bool:
    canvas = window.canvas
    w, h = window.document.size
    centre = canvas.mapFromScene(QPointF(w / 2, h / 2))
    view = canvas.viewport().rect().center()
    # within a scroll bar's half width: fitting may show or hide a scroll bar
    return abs(centre.x() - view.x()) <= 8 and abs(centre.y() - view.y()) <= 8


def test_a_photo_as_a_layer_grows_the_canvas_in_one_undo_step(
    qtbot, window, tmp_path, monkeypatch
) -> None:
    asked: list[str] = []
    answer_open(monkeypatch, window, ["layer", "new"], asked)
    assert window.open_path(picture(tmp_path / "small.png", (32, 32)))
    assert not asked  # an empty document just takes the image
    assert window.open_path(picture(tmp_path / "photo.png", (120, 80), (1, 2, 3)))
    assert window.document.size == (120, 80) and len(window.document) == 2
    assert window.document.layer(1).image.size == (120, 80)  # not clipped
    out = window.export_composite(tmp_path / "out.png")
    with Image.open(out) as im:
        assert im.size == (120, 80)
    assert page_is_centred(window)
    window.document_undo()
    assert window.document.size == (32, 32) and len(window.document) == 1
    window.document_redo()
    # the default follows the last choice
    assert window.open_path(picture(tmp_path / "other.png", (50, 50)))
    assert asked == ["layer", "layer"]
    assert len(window.document) == 1 and window.document.size == (50, 50)  # "new"
    answer_open(monkeypatch, window, ["cancel"], asked)
    assert not window.open_path(picture(tmp_path / "again.png", (10, 10)))
    assert asked[-1] == "new"


def test_dropping_several_images_asks_once(qtbot, window, tmp_path, monkeypatch) -> None:
    asked: list[str] = []
    answer_open(monkeypatch, window, ["layer"], asked)
    window.open_path(picture(tmp_path / "base.png", (20, 20)))
    mime = QMimeData()
    mime.setUrls(
        [QUrl.fromLocalFile(str(picture(tmp_path / f"{i}.png", (30 + i, 20)))) for i in range(3)]
    )
    window.dropEvent(
        QDropEvent(
            QPointF(5, 5),
            Qt.DropAction.CopyAction,
            mime,
            Qt.MouseButton.NoButton,
            Qt.KeyboardModifier.NoModifier,
        )
    )
    assert len(asked) == 1 and len(window.document) == 4
    assert window.document.size == (32, 20)


def test_an_empty_window_centres_its_page(qtbot, window) -> None:
    qtbot.waitUntil(lambda: page_is_centred(window), timeout=5000)


def test_generating_into_an_empty_document_sizes_and_fits_the_canvas(
    qtbot, window, home_model, pick_model
) -> None:
    window.add_image(Image.new("RGB", (300, 200)), "gone")
    window.document.remove_layer(0)  # an empty document that has a history
    window.models.refresh()
    pick_model(window, home_model)
    qtbot.waitUntil(lambda: window.canvas.has_preview, timeout=20000)
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=20000)
    assert window.document.size == (32, 32)
    assert window.canvas.zoom > 2  # fitted: not a stamp in a corner
    assert page_is_centred(window)
    window.actions_panel.apply_button.click()
    qtbot.waitUntil(lambda: len(window.document) == 1, timeout=20000)
    assert window.document.size == (32, 32)
    assert page_is_centred(window)
