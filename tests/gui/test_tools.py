"""Painting tools, masks, blend modes, crop and canvas size through the real window."""

from __future__ import annotations

import numpy as np
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QInputDevice, QPointingDevice, QTabletEvent
from PySide6.QtWidgets import QApplication


def paper(window, size=(200, 120), color=(255, 255, 255, 255)):
    window.add_image(Image.new("RGBA", size, color), "paper")
    window.canvas.set_zoom(1.0)
    window.canvas.centerOn(size[0] / 2, size[1] / 2)
    QApplication.processEvents()


def view_point(canvas, x: float, y: float) -> QPoint:
    return canvas.mapFromScene(QPointF(x, y))


def drag(qtbot, canvas, points) -> None:
    vp = canvas.viewport()
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=view_point(canvas, *points[0]))
    for p in points[1:]:
        qtbot.mouseMove(vp, view_point(canvas, *p))
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=view_point(canvas, *points[-1]))


def pixels(window, index=0) -> np.ndarray:
    return np.asarray(window.document.layer(index).image)


def test_brush_strokes_paint_the_layer_and_each_stroke_is_one_undo_step(qtbot, window) -> None:
    paper(window)
    window.tools.options.tool_actions["brush"].trigger()  # what B does
    assert window.tools.current_tool == "brush" and window.canvas.tool is not None
    window.tools.settings.update(size=8, hardness=1.0, color=(200, 0, 0))
    drag(qtbot, window.canvas, [(20, 30), (60, 30), (100, 30)])
    drag(qtbot, window.canvas, [(20, 80), (100, 80)])
    assert tuple(pixels(window)[30, 60]) == (200, 0, 0, 255)
    assert tuple(pixels(window)[80, 60]) == (200, 0, 0, 255)
    assert tuple(pixels(window)[55, 60]) == (255, 255, 255, 255)  # between the strokes
    assert window.document.undo_title == "Brush stroke"
    window.document_undo()
    assert tuple(pixels(window)[80, 60]) == (255, 255, 255, 255)  # only the last stroke
    assert tuple(pixels(window)[30, 60]) == (200, 0, 0, 255)
    window.tools.select_tool("select")
    drag(qtbot, window.canvas, [(10, 10), (50, 50)])
    assert window.canvas.selection is not None  # the select tool is back to selecting


def test_eraser_and_bracket_keys_change_the_size(qtbot, window) -> None:
    paper(window)
    window.tools.select_tool("eraser")
    size = window.tools.settings.brush.size
    window.tools.resize_brush(True)
    assert window.tools.settings.brush.size > size
    assert window.tools.options.size_spin.value() == round(window.tools.settings.brush.size)
    window.tools.resize_brush(False)
    window.tools.resize_brush(False)
    assert window.tools.settings.brush.size < size
    drag(qtbot, window.canvas, [(50, 50), (120, 50)])
    assert pixels(window)[50, 80, 3] == 0  # erased to transparency


def test_shortcuts_pick_tools_and_resize_the_brush(qtbot, window) -> None:
    shortcuts = {a.shortcut().toString(): a for a in window.tools.options.tool_actions.values()}
    assert {"B", "E", "M", "Shift+B"} <= set(shortcuts)
    keys = {
        a.objectName(): a.shortcut().toString() for a in window.findChildren(type(shortcuts["B"]))
    }
    assert keys.get("brushBigger") == "]" and keys.get("brushSmaller") == "["


def tablet(canvas, kind, x, y, pressure):
    device = QPointingDevice(
        "pen",
        7,
        QInputDevice.DeviceType.Stylus,
        QPointingDevice.PointerType.Pen,
        QInputDevice.Capability.Position | QInputDevice.Capability.Pressure,
        1,
        3,
    )
    pos = QPointF(view_point(canvas, x, y))
    buttons = (
        Qt.MouseButton.NoButton
        if kind == QTabletEvent.Type.TabletRelease
        else Qt.MouseButton.LeftButton
    )
    event = QTabletEvent(
        kind,
        device,
        pos,
        canvas.viewport().mapToGlobal(pos),
        pressure,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        Qt.KeyboardModifier.NoModifier,
        Qt.MouseButton.LeftButton,
        buttons,
    )
    QApplication.sendEvent(canvas.viewport(), event)
    return event


def test_tablet_pressure_thins_the_stroke(qtbot, window) -> None:
    paper(window)
    window.tools.select_tool("brush")
    window.tools.settings.update(
        size=16, hardness=1.0, color=(0, 0, 0), pressure_size=True, pressure_opacity=False
    )
    for y, pressure in ((30, 1.0), (80, 0.25)):
        tablet(window.canvas, QTabletEvent.Type.TabletPress, 20, y, pressure)
        tablet(window.canvas, QTabletEvent.Type.TabletMove, 100, y, pressure)
        tablet(window.canvas, QTabletEvent.Type.TabletRelease, 160, y, pressure)
    col = pixels(window)[:, 90, 0]
    heavy = int((col[:55] < 128).sum())
    light = int((col[55:] < 128).sum())
    assert heavy >= 14 and 2 <= light <= 6  # about 16 px and 4 px wide
    assert len(window.document._undo) == 3  # add layer + one step per pen stroke


def test_mask_brush_paints_a_result_out_and_blend_mode_comes_from_the_panel(qtbot, window):
    paper(window, color=(0, 0, 255, 255))
    window.add_image(Image.new("RGBA", (200, 120), (255, 0, 0, 255)), "result")
    window.tools.select_tool("mask")
    window.tools.settings.update(size=10, hardness=1.0, mask_value=0)
    drag(qtbot, window.canvas, [(30, 60), (90, 60)])
    layer = window.document.layer(1)
    assert layer.mask is not None
    assert window.document.composite().getpixel((60, 60)) == (0, 0, 255, 255)  # painted out
    assert window.document.composite().getpixel((150, 60)) == (255, 0, 0, 255)
    window.tools.swap_mask_value()  # X: reveal
    assert window.tools.options.mask_mode.currentIndex() == 1
    drag(qtbot, window.canvas, [(40, 60), (50, 60)])
    assert window.document.composite().getpixel((45, 60)) == (255, 0, 0, 255)  # painted in
    window.document_undo()
    window.document_undo()  # the first stroke and the mask it added: one step
    assert window.document.layer(1).mask is None
    bar = window.tools.style_bar
    assert bar.parent() is window.layers  # inside the Layers panel
    bar.blend.setCurrentIndex(bar.blend.findData("multiply"))
    assert window.document.layer(1).blend == "multiply"
    assert window.canvas._items[1].blend == "multiply"
    assert window.document.composite().getpixel((5, 5)) == (0, 0, 0, 255)  # red × blue
    window.document_undo()
    assert bar.blend.currentData() == "normal"


def test_mask_menu_actions_add_apply_and_remove(qtbot, window) -> None:
    paper(window)
    actions = {a.objectName(): a for a in window.tools.mask_actions}
    actions["maskHide"].trigger()
    assert window.document.layer(0).mask.getpixel((5, 5)) == 0
    assert window.tools.style_bar.mask_button.text() == "Mask ✓"
    actions["maskApply"].trigger()
    assert window.document.layer(0).mask is None
    assert window.document.layer(0).image.getpixel((5, 5))[3] == 0


def test_crop_to_selection_and_canvas_size_are_undoable(qtbot, window) -> None:
    paper(window)
    assert not window.tools.crop_to_selection()  # no selection: told, nothing happens
    window.canvas.set_selection((10, 20, 110, 70))
    window.tools.crop_action.trigger()
    assert window.document.size == (100, 50) and window.canvas.selection is None
    dialog = window.tools.canvas_size_dialog()
    dialog.width_spin.setValue(140)
    dialog.height_spin.setValue(50)
    dialog.set_anchor("right")
    dialog.accept()
    assert window.document.size == (140, 50)
    assert window.document.layer(0).offset == (40, 0)
    window.document_undo()
    window.document_undo()
    assert window.document.size == (200, 120)


def test_sketch_layer_api_gives_a_brush_and_reports_strokes_as_they_happen(qtbot, window):
    paper(window)
    layer = window.tools.sketch_layer()
    assert layer.role == "sketch" and window.document.active is layer
    assert window.tools.current_tool == "brush" and window.tools.settings.brush.color == (0, 0, 0)
    assert window.tools.sketch_layer() is layer  # asked again: the same layer
    updates, finished, seen_live = [], [], []

    def on_update(layer_id, box):
        updates.append(box)
        live = window.tools.current_pixels(layer_id)
        seen_live.append(np.asarray(live)[..., 0].min())

    window.tools.stroke_updated.connect(on_update)
    window.tools.stroke_finished.connect(lambda i, box: finished.append((i, box)))
    drag(qtbot, window.canvas, [(20, 20), (60, 40), (100, 60)])
    assert len(updates) >= 3 and finished and finished[0][0] == layer.id
    assert seen_live[0] == 0  # the stroke in progress is readable before it is committed
    assert np.asarray(window.document.layer(1).image)[40, 60, 0] == 0
    window.tools.select_tool("eraser")
    drag(qtbot, window.canvas, [(20, 20), (100, 60)])
    assert tuple(np.asarray(window.document.layer(1).image)[40, 60]) == (255, 255, 255, 255)
    window.document_undo()  # erasing a sketch gives white paper, not holes; one step
    assert np.asarray(window.document.layer(1).image)[40, 60, 0] == 0
    window.document_undo()
    assert np.asarray(window.document.layer(1).image)[..., 0].min() == 255


def test_a_stroke_after_an_undo_starts_from_the_undone_pixels(qtbot, window) -> None:
    paper(window)
    window.tools.select_tool("brush")
    window.tools.settings.update(size=6, hardness=1.0, color=(0, 0, 0))
    drag(qtbot, window.canvas, [(20, 20), (80, 20)])
    drag(qtbot, window.canvas, [(20, 60), (80, 60)])
    window.document_undo()
    drag(qtbot, window.canvas, [(20, 100), (80, 100)])
    done = pixels(window)
    assert done[20, 50, 0] == 0 and done[100, 50, 0] == 0
    assert done[60, 50, 0] == 255  # the undone stroke does not come back


def test_the_canvas_shows_blend_modes_as_export_computes_them(qtbot, window) -> None:
    paper(window, color=(200, 120, 40, 255))
    window.add_image(Image.new("RGBA", (200, 120), (90, 160, 220, 255)), "top")
    window.canvas.set_zoom(1.0)
    window.canvas.centerOn(100, 60)
    from ganstudio.gui.canvas import qimage_to_pil

    for mode in ("multiply", "screen", "overlay"):
        window.document.set_layer(1, blend=mode)
        QApplication.processEvents()
        shot = qimage_to_pil(window.canvas.viewport().grab().toImage())
        p = window.canvas.mapFromScene(QPointF(100, 60))
        ratio = shot.width / window.canvas.viewport().width()
        seen = shot.getpixel((int(p.x() * ratio), int(p.y() * ratio)))[:3]
        want = window.document.composite().getpixel((100, 60))[:3]
        assert max(abs(a - b) for a, b in zip(seen, want, strict=True)) <= 3, (mode, seen, want)


def test_keys_b_e_and_brackets_work_from_the_canvas(qtbot, window) -> None:
    paper(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key.Key_B)
    assert window.tools.current_tool == "brush"
    size = window.tools.settings.brush.size
    qtbot.keyClick(window.canvas, Qt.Key.Key_BracketRight)
    assert window.tools.settings.brush.size > size
    qtbot.keyClick(window.canvas, Qt.Key.Key_BracketLeft)
    assert window.tools.settings.brush.size == size
    qtbot.keyClick(window.canvas, Qt.Key.Key_E)
    assert window.tools.current_tool == "eraser"
    qtbot.keyClick(window.canvas, Qt.Key.Key_M)
    assert window.tools.current_tool == "select" and window.canvas.tool is None


def test_a_sketch_action_gets_the_sketch_layer_and_a_preview_after_each_stroke(qtbot, window):
    from ganstudio.core.specs import Action, ActionResult

    action = Action(
        "sketch-demo",
        "Sketch demo",
        lambda m, p, i: ActionResult(images=[]),
        input_kind="sketch",
        interactive=True,
    )
    panel = window.actions_panel
    panel.combo.clear()  # the model-less actions listed with no model picked
    panel.action_specs = [action]
    panel.combo.addItem(action.name, action.id)  # as set_model would, for a sketch model
    assert window.tools.sketch_action is action
    sketch = window.document.active
    assert sketch.role == "sketch" and window.tools.current_tool == "brush"
    asked = []
    panel.preview_requested.connect(lambda a, params: asked.append(a))
    window.canvas.set_zoom(1.0)
    window.canvas.centerOn(100, 100)
    drag(qtbot, window.canvas, [(50, 50), (150, 120)])
    assert asked and set(asked) == {action}  # during the stroke (live) and at its end
    count = len(asked)
    window.tools.follow_sketch_action(None)  # another action: strokes ask for nothing
    drag(qtbot, window.canvas, [(50, 150), (150, 150)])
    assert len(asked) == count
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=5000)
