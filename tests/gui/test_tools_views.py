"""Before/after view, command palette and seed browser through the real window."""

from __future__ import annotations

import numpy as np
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from ganstudio.core.actions import run_action
from ganstudio.gui.palette import score
from tests.gui.test_actions import pick_model


def _qimage_array(qimage) -> np.ndarray:
    from ganstudio.gui.canvas import qimage_to_pil

    return np.asarray(qimage_to_pil(qimage).convert("RGB"))


def at(canvas, x: float, y: float) -> tuple[int, ...]:
    image = _qimage_array(canvas.viewport().grab().toImage())
    p = canvas.mapFromScene(QPointF(x, y))
    ratio = image.shape[1] / canvas.viewport().width()  # device pixels
    return tuple(int(v) for v in image[int(p.y() * ratio), int(p.x() * ratio)])


def blue_page_with_red_preview(window) -> None:
    window.add_image(Image.new("RGBA", (200, 100), (0, 0, 255, 255)), "photo")
    window.canvas.set_zoom(2.0)
    window.canvas.centerOn(100, 50)
    window.canvas.show_preview(Image.new("RGBA", (200, 100), (255, 0, 0, 255)))
    QApplication.processEvents()


def test_split_view_shows_before_left_and_after_right_and_the_divider_drags(qtbot, window):
    blue_page_with_red_preview(window)
    canvas = window.canvas
    assert at(canvas, 20, 50)[0] > 200  # the preview covers everything
    window.tools.split_action.trigger()
    assert canvas.compare_split
    split_x = canvas.split_scene_x()
    assert at(canvas, split_x - 20, 50)[2] > 200 and at(canvas, split_x - 20, 50)[0] < 50
    assert at(canvas, split_x + 20, 50)[0] > 200  # after: the preview
    # drag the divider to the right: more of "before" shows
    vp = canvas.viewport()
    x = round(canvas.split_fraction * vp.width())
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=QPoint(x, vp.height() // 2))
    qtbot.mouseMove(vp, QPoint(x + 60, vp.height() // 2))
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=QPoint(x + 60, vp.height() // 2))
    assert canvas.split_scene_x() > split_x + 20
    assert at(canvas, split_x + 10, 50)[2] > 200  # was after, now before
    assert window.document.layer(0).image.getpixel((0, 0)) == (0, 0, 255, 255)  # untouched
    assert canvas.selection is None  # dragging the divider is not a selection


def test_holding_backslash_shows_before_and_release_shows_after(qtbot, window) -> None:
    blue_page_with_red_preview(window)
    canvas = window.canvas
    press = QKeyEvent(
        QKeyEvent.Type.KeyPress, Qt.Key.Key_Backslash, Qt.KeyboardModifier.NoModifier, "\\"
    )
    release = QKeyEvent(
        QKeyEvent.Type.KeyRelease, Qt.Key.Key_Backslash, Qt.KeyboardModifier.NoModifier, "\\"
    )
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    canvas.setFocus()
    QApplication.sendEvent(canvas, press)
    assert canvas.compare_hold
    assert at(canvas, 100, 50)[2] > 200 and at(canvas, 100, 50)[0] < 50  # before: the photo
    QApplication.sendEvent(canvas, release)
    assert not canvas.compare_hold
    assert at(canvas, 100, 50)[0] > 200
    # with a slider focused (after dragging one) the key reaches the window and works too
    slider = window.layers.opacity
    slider.setFocus()
    QApplication.sendEvent(slider, press)
    assert canvas.compare_hold
    QApplication.sendEvent(slider, release)
    assert not canvas.compare_hold


def test_split_view_without_preview_compares_the_active_layer_with_what_is_under_it(
    qtbot, window
) -> None:
    window.add_image(Image.new("RGBA", (200, 100), (0, 0, 255, 255)), "photo")
    window.add_image(Image.new("RGBA", (200, 100), (0, 255, 0, 255)), "result")
    window.canvas.set_zoom(2.0)
    window.canvas.centerOn(100, 50)
    window.canvas.set_compare_split(True)
    x = window.canvas.split_scene_x()
    assert at(window.canvas, x - 15, 50)[2] > 200  # the photo under the result
    assert at(window.canvas, x + 15, 50)[1] > 200


def test_palette_matches_words_and_runs_menu_commands(qtbot, window) -> None:
    assert score("canvas size", "Menu: Image › Canvas size…") is not None
    assert score("size canvas", "Menu: Image › Canvas size…") is not None
    assert score("zzz", "Menu: File › New") is None
    window.add_image(Image.new("RGBA", (50, 40), (0, 0, 0, 255)), "x")
    palette = window.tools.open_palette()
    assert palette.isVisible()
    labels = [e.text for e in palette.entries]
    assert "Menu: File › Save project" in labels and "Menu: Layer › Blend mode › Multiply" in labels
    assert any(t.startswith("Model: ") for t in labels)  # the bundled models
    assert any(t.startswith("Action: ") for t in labels)
    qtbot.keyClicks(palette.search, "blend multiply")
    assert palette.shown[0].label == "Layer › Blend mode › Multiply"
    qtbot.keyClick(palette.search, Qt.Key.Key_Return)
    assert not palette.isVisible()
    assert window.document.layer(0).blend == "multiply"
    shortcut = {a.objectName(): a for a in window.findChildren(type(window.tools.crop_action))}
    assert shortcut["commandPalette"].shortcut().toString() == "Ctrl+Shift+P"


def test_palette_picks_a_model_and_its_action(qtbot, window, home_model) -> None:
    window.models.refresh()
    palette = window.tools.open_palette()
    qtbot.keyClicks(palette.search, "model tiny-faces")
    assert palette.shown and palette.shown[0].label.startswith("tiny-faces")
    qtbot.keyClick(palette.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.cache.loaded(home_model) is not None, timeout=20000)
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=20000)
    assert window.controller.model_file.path == home_model
    palette = window.tools.open_palette()
    qtbot.keyClicks(palette.search, "action interpolate")
    palette.run_current()
    assert window.actions_panel.current_action.id == "interpolate"
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=20000)


def test_seed_browser_fills_a_grid_in_one_job_and_a_click_takes_a_seed(
    qtbot, window, home_model
) -> None:
    window.models.refresh()
    pick_model(qtbot, window, home_model)
    browser = window.tools.open_seed_browser()
    assert not browser.isModal()
    browser.count.setValue(4)
    browser.start.setValue(10)
    job = browser.browse()
    assert job is not None and job.lane == "background"
    qtbot.waitUntil(lambda: job.status.finished, timeout=30000)
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=20000)
    assert sorted(browser.results) == [10, 11, 12, 13]
    assert browser.grid.count() == 4
    assert "ready" in browser.grid.item(2).toolTip() or "click" in browser.grid.item(2).toolTip()
    item = browser.grid.item(2)
    rect = browser.grid.visualItemRect(item)
    qtbot.mouseClick(browser.grid.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert len(window.document) == 1
    layer = window.document.layer(0)
    assert layer.provenance["action"] == "generate" and layer.provenance["params"]["seed"] == 12
    assert layer.provenance["seed"] == 12
    # the same pixels Generate gives for that seed
    model = window.cache.get(home_model)
    direct = run_action(
        window.actions_panel.current_action, model, {**browser.results[12][0]}
    ).composite()
    assert np.array_equal(np.asarray(direct.convert("RGBA")), np.asarray(layer.image))
    window.document_undo()
    assert len(window.document) == 0
    browser.close()
