"""The voxel viewer dock (issue #14): the picture, orbit and zoom by mouse, Send to canvas."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from ganstudio.gui.voxel_view import VoxelViewer


def centre_voxel(side: int = 9) -> np.ndarray:
    grid = np.zeros((side, side, side), np.float32)
    grid[side // 2, side // 2, side // 2] = 1
    return grid


@pytest.fixture
def viewer(qtbot) -> VoxelViewer:
    widget = VoxelViewer()
    qtbot.addWidget(widget)
    widget.resize(360, 460)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def ink_centre(image) -> tuple[float, float]:
    alpha = np.asarray(image.convert("RGBA"))[:, :, 3] > 0
    rows, cols = np.nonzero(alpha)
    return cols.mean(), rows.mean()


def test_a_single_centre_voxel_appears_at_the_centre_of_the_view(viewer) -> None:
    viewer.show_result(centre_voxel())
    shot = viewer.view.grab().toImage()  # what is on screen, through Qt's painting
    w, h = shot.width(), shot.height()
    base = shot.pixelColor(2, 2)
    pixels = [
        (x, y) for y in range(0, h, 2) for x in range(0, w, 2) if shot.pixelColor(x, y) != base
    ]
    xs, ys = np.array(pixels).T
    assert abs(xs.mean() - w / 2) < 3 and abs(ys.mean() - h / 2) < 3
    assert len(pixels) < 0.05 * (w * h / 4)
    x, y = ink_centre(viewer.view.picture(64))
    assert abs(x - 32) < 1 and abs(y - 32) < 1


def test_dragging_orbits_and_the_wheel_zooms(viewer, qtbot) -> None:
    grid = np.zeros((8, 8, 8), np.float32)
    grid[1:4, 2:6, 0:7] = 1  # an off-centre block: turning it moves it
    viewer.show_result(grid)
    view = viewer.view
    before_cam, before = view.camera, np.asarray(view.picture(96))
    centre = view.rect().center()
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=centre)
    for dx in (10, 20, 40):
        qtbot.mouseMove(view, centre + QPoint(dx, 10))
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=centre + QPoint(40, 10))
    assert view.camera.yaw == pytest.approx((before_cam.yaw - 40 * 0.5) % 360)
    assert view.camera.pitch == pytest.approx(before_cam.pitch + 10 * 0.5)
    assert np.abs(np.asarray(view.picture(96)).astype(int) - before).mean() > 1
    event = QWheelEvent(
        QPointF(centre),
        QPointF(view.mapToGlobal(centre)),
        QPoint(0, 0),
        QPoint(0, 120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(view, event)
    assert view.camera.zoom == pytest.approx(1.15)


def test_threshold_and_colour_change_the_picture(viewer) -> None:
    grid = np.linspace(0, 1, 8**3, dtype=np.float32).reshape(8, 8, 8)
    viewer.show_result(grid)
    solid = viewer.view.solid_voxels
    viewer.threshold.setValue(80)
    assert viewer.view.solid_voxels < solid and "solid voxels" in viewer.status.text()
    viewer.threshold.setValue(95)
    viewer.threshold.setValue(99)  # clamped at 95: still something, or a clear note
    height = np.asarray(viewer.view.picture(64))
    viewer.colour.setCurrentIndex(1)
    assert viewer.view.colour == "normal"
    assert not np.array_equal(height, np.asarray(viewer.view.picture(64)))


def test_several_shapes_get_a_shape_slider(viewer) -> None:
    grids = np.zeros((3, 6, 6, 6), np.float32)
    for i in range(3):
        grids[i, : i + 2, :2, :2] = 1
    viewer.show_result(grids)
    assert viewer.shape.isVisibleTo(viewer) and viewer.shape.maximum() == 2
    viewer.shape.setValue(2)
    assert viewer.view.solid_voxels == 16


def test_a_voxel_result_opens_the_viewer_and_send_to_canvas_adds_a_layer(window) -> None:
    from types import SimpleNamespace

    from ganstudio.core.jobs import Job, JobStatus
    from ganstudio.core.specs import ActionResult

    dock = window.voxel_dock
    assert not dock.isVisible()
    result = ActionResult(
        voxels=centre_voxel(), info={"threshold": 0.4}, latents={"z": np.zeros((1, 4))}
    )
    output = SimpleNamespace(result=result, provenance={"action": "voxel-preview"})
    job = Job("Voxel preview", lambda job: iter(()), status=JobStatus.DONE, result=(None, output))
    window.runner.job_finished.emit(job)
    assert dock.isVisible()
    viewer = window.voxel_viewer
    assert viewer.view.threshold == pytest.approx(0.4) and viewer.threshold.value() == 40
    viewer.buttons[0].click()
    layer = window.document.layers[-1]
    assert layer.name == "Voxel view" and layer.image.size == (512, 512)
    assert layer.provenance["action"] == "voxel-preview"
    assert layer.provenance["voxel_view"]["threshold"] == pytest.approx(0.4)
