"""The main window: opening images, undo/redo keys, zoom, selection, export, projects."""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QKeySequence
from PySide6.QtWidgets import QApplication

from ganstudio.core.document import Document, find_recovery
from ganstudio.core.imaging import read_provenance
from ganstudio.gui.canvas import pil_to_qimage


def picture(path: Path, color=(200, 40, 40), size=(64, 48)) -> Path:
    Image.new("RGB", size, color).save(path)
    return path


def press(qtbot, widget, key: QKeySequence.StandardKey) -> None:
    seq = QKeySequence(key)[0]
    qtbot.keyClick(widget, seq.key(), seq.keyboardModifiers())


def test_window_has_docks_and_dark_theme(window) -> None:
    assert set(window.docks) == {"Models", "Action", "Layers", "Jobs", "Training"}
    bg = window.palette().color(window.backgroundRole())
    assert bg.lightness() < 80
    assert window.centralWidget() is window.canvas


def test_open_image_then_undo_redo_with_standard_keys(qtbot, window, tmp_path) -> None:
    assert window.open_path(picture(tmp_path / "red.png"))
    assert len(window.document) == 1 and window.document.size == (64, 48)
    press(qtbot, window, QKeySequence.StandardKey.Undo)
    assert len(window.document) == 0
    press(qtbot, window, QKeySequence.StandardKey.Redo)
    assert len(window.document) == 1
    assert window.layers.list.count() == 1


def test_drop_and_paste_add_layers(qtbot, window, tmp_path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(picture(tmp_path / "a.png")))])
    drop = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(drop)
    assert window.document.layer(0).name == "a"
    QApplication.clipboard().setImage(pil_to_qimage(Image.new("RGB", (8, 8), (0, 255, 0))))
    press(qtbot, window, QKeySequence.StandardKey.Paste)
    assert len(window.document) == 2
    assert window.document.layer(1).image.getpixel((1, 1)) == (0, 255, 0, 255)


def test_zoom_keys_and_wheel(qtbot, window, tmp_path) -> None:
    window.open_path(picture(tmp_path / "p.png", size=(400, 300)))
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert window.canvas.zoom == 1.0
    window.canvas.set_zoom(5.0)
    qtbot.keyClick(window, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    fitted = window.canvas.zoom
    assert fitted != 5.0
    viewport = window.canvas.viewport()
    r = viewport.rect()
    assert r.width() >= 400 * fitted - 20 or r.height() >= 300 * fitted - 20


def test_rectangular_selection_by_dragging(qtbot, window, tmp_path) -> None:
    window.open_path(picture(tmp_path / "p.png", size=(100, 100)))
    canvas = window.canvas
    canvas.set_zoom(1.0)
    canvas.centerOn(50, 50)
    vp = canvas.viewport()
    a = canvas.mapFromScene(QPointF(10, 20))
    b = canvas.mapFromScene(QPointF(60, 70))
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=a)
    qtbot.mouseMove(vp, b)
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=b)
    assert canvas.selection == (10, 20, 60, 70)
    qtbot.keyClick(canvas, Qt.Key.Key_Escape)
    assert canvas.selection is None


def test_middle_button_pans(qtbot, window, tmp_path) -> None:
    window.open_path(picture(tmp_path / "p.png", size=(400, 400)))
    canvas = window.canvas
    canvas.set_zoom(4.0)
    bar = canvas.horizontalScrollBar()
    before = bar.value()
    vp = canvas.viewport()
    qtbot.mousePress(vp, Qt.MouseButton.MiddleButton, pos=QPoint(200, 200))
    qtbot.mouseMove(vp, QPoint(120, 200))
    qtbot.mouseRelease(vp, Qt.MouseButton.MiddleButton, pos=QPoint(120, 200))
    assert bar.value() > before
    assert canvas.selection is None


def test_layer_visibility_and_opacity_from_the_panel_are_undoable(qtbot, window, tmp_path) -> None:
    window.open_path(picture(tmp_path / "p.png"))
    item = window.layers.list.item(0)
    item.setCheckState(Qt.CheckState.Unchecked)
    assert not window.document.layer(0).visible
    window.document_undo()
    assert window.document.layer(0).visible
    window.layers.opacity.setValue(40)
    assert window.document.layer(0).opacity == 0.4


def test_export_composite_and_layer_in_three_formats(window, tmp_path) -> None:
    window.open_path(picture(tmp_path / "p.png"))
    window.document.set_layer(0, provenance={"app": "GAN Studio", "action": "generate"})
    for suffix in (".png", ".jpg", ".webp"):
        out = window.export_composite(tmp_path / f"out{suffix}")
        with Image.open(out) as im:
            assert im.size == (64, 48)
    layer_png = window.export_layer(tmp_path / "layer.png")
    assert read_provenance(layer_png)["action"] == "generate"


def test_project_save_open_and_crash_recovery(make_window, tmp_path) -> None:
    window = make_window()
    window.open_path(picture(tmp_path / "p.png"))
    window.save_project_to(tmp_path / "work.gsproj")
    assert "work.gsproj" in window.windowTitle()
    window.new_document()
    assert window.open_path(tmp_path / "work.gsproj")
    assert len(window.document) == 1
    window.open_path(picture(tmp_path / "q.png", color=(0, 0, 200)))
    window.autosave_now()  # the app then "crashes": no clean close
    from ganstudio.core import paths

    assert find_recovery(paths.user_dirs().data) is not None
    again = make_window()
    again.startup_checks()  # answers yes to "recover?"
    assert [layer.name for layer in again.document.layers] == ["p", "q"]
    # kept until the recovered document is saved: a second crash loses nothing (#12 item 15)
    assert find_recovery(paths.user_dirs().data) is not None
    again.save_project_to(tmp_path / "recovered.gsproj")
    assert find_recovery(paths.user_dirs().data) is None
    assert isinstance(again.document, Document)


def test_geometry_is_remembered(make_window) -> None:
    first = make_window()
    first.resize(700, 520)
    first.docks["Jobs"].hide()
    first.save_state()
    second = make_window()
    assert second.size().width() == first.size().width() <= 700
    assert not second.docks["Jobs"].isVisible()


def test_a_layout_saved_by_an_older_default_is_not_restored(make_window) -> None:
    """Jobs once sat as a tab behind Training; a user upgrading sees it beside it."""
    from PySide6.QtCore import QSettings

    old = make_window()
    old.tabifyDockWidget(old.docks["Training"], old.docks["Jobs"])
    QSettings().setValue("window/state", old.saveState())  # as builds before 2 saved it
    upgraded = make_window()
    assert not upgraded.tabifiedDockWidgets(upgraded.docks["Jobs"])
    upgraded.tabifyDockWidget(upgraded.docks["Training"], upgraded.docks["Jobs"])
    upgraded.save_state()  # the user's own arrangement in this version is kept
    again = make_window()
    assert again.tabifiedDockWidgets(again.docks["Jobs"])
