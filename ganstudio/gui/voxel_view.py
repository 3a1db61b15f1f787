"""The voxel viewer: a dock that shows a voxel result shaded in 3-D.

Drag to orbit, wheel to zoom, a threshold slider, colour by height or by normal;
several shapes (an interpolation) get a shape slider.  **Send to canvas** adds
the current view as an image layer whose provenance is the shape's plus the
view; **Export…** writes a mesh, a grid or a turntable (the files ``ganstudio
run`` writes); **Open…** reads a ``.binvox``/``.npy``/``.npz`` file.

Pictures come from OpenGL when it starts here (:mod:`ganstudio.gui.voxel_gl`,
offscreen, the same picture) and otherwise from the software renderer
(:mod:`ganstudio.core.voxels.render`, NumPy, no GPU or display needed); the
status line says which.  The window opens the dock when a
voxel result (``ActionResult.voxels``) arrives: :func:`install_voxel_viewer`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QImage, QMouseEvent, QPainter, QPaintEvent, QWheelEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from ganstudio.core.voxels import Camera, Mesh, VoxelError, as_grid, grid_to_mesh, render_mesh
from ganstudio.core.voxels.render import ColourMode
from ganstudio.gui.errors import show_error

__all__ = ["VoxelView", "VoxelViewer", "install_voxel_viewer"]

#: degrees of turn per pixel dragged
ORBIT_SPEED = 0.5
#: the largest picture rendered while interacting (the view scales it up beyond)
MAX_RENDER = 480


class VoxelView(QWidget):
    """One grid, drawn by the software renderer; drag orbits, the wheel zooms."""

    camera_changed = Signal()

    def __init__(self, parent: QWidget | None = None, renderer: str = "auto") -> None:
        """``renderer``: "auto" (OpenGL when it starts, else software), "software" or "opengl"."""
        super().__init__(parent)
        self.renderer_choice = renderer
        self._gl: Any = None
        self._gl_checked = renderer == "software"
        self.setMinimumSize(160, 160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.camera = Camera()
        self.threshold = 0.5
        self.colour: ColourMode = "height"
        self.grid: np.ndarray | None = None
        self._mesh: Mesh | None = None
        self._image: QImage | None = None
        self._drag: QPoint | None = None
        self.setToolTip("Drag to turn, wheel to zoom")

    # -- state -------------------------------------------------------------------
    def set_grid(self, grid: np.ndarray | None) -> None:
        self.grid = None if grid is None else as_grid(grid)
        self._remesh()

    def set_threshold(self, value: float) -> None:
        self.threshold = float(value)
        self._remesh()

    def set_colour(self, colour: str) -> None:
        self.colour = "normal" if colour == "normal" else "height"
        self._rerender()

    def set_camera(self, camera: Camera) -> None:
        self.camera = camera
        self._rerender()
        self.camera_changed.emit()

    @property
    def solid_voxels(self) -> int:
        return 0 if self.grid is None else int((self.grid >= self.threshold).sum())

    def _remesh(self) -> None:
        self._mesh = None
        if self.grid is not None and (self.grid >= self.threshold).any():
            self._mesh = grid_to_mesh(self.grid, self.threshold)
        self._rerender()

    @property
    def renderer_name(self) -> str:
        self._pick_renderer()
        return self._gl.description if self._gl is not None else "software renderer"

    def _pick_renderer(self) -> None:
        if not self._gl_checked:  # lazily: starting OpenGL costs a moment, once
            from ganstudio.gui.voxel_gl import gl_renderer

            self._gl_checked = True
            self._gl = gl_renderer()
            if self._gl is None and self.renderer_choice == "opengl":
                raise RuntimeError("OpenGL is not available here")

    def picture(
        self, size: int, supersample: int = 1, background: Any = (0, 0, 0, 0)
    ) -> Image.Image:
        """The current view as an RGBA picture of ``size`` px (blank when nothing is solid)."""
        if self._mesh is None or self.grid is None:
            return Image.new("RGBA", (size, size), background)
        self._pick_renderer()
        if self._gl is not None:
            side = max(self.grid.shape)
            big = self._gl.render(
                self._mesh, side, self.camera, size * supersample, self.colour, background
            )
            return big if supersample == 1 else big.resize((size, size), Image.Resampling.BOX)
        return render_mesh(
            self._mesh,
            max(self.grid.shape),
            self.camera,
            size,
            self.colour,
            background,
            supersample,
        )  # type: ignore[arg-type]

    def _rerender(self) -> None:
        size = max(16, min(self.width(), self.height(), MAX_RENDER))
        picture = self.picture(size)
        self._image = QImage(
            picture.tobytes("raw", "RGBA"), size, size, 4 * size, QImage.Format.Format_RGBA8888
        ).copy()
        self.update()

    # -- Qt ----------------------------------------------------------------------
    def resizeEvent(self, event: Any) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self._rerender()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().base())
        if self._image is not None:
            side = min(self.width(), self.height())
            x, y = (self.width() - side) // 2, (self.height() - side) // 2
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(
                self.rect().adjusted(x, y, -x, -y) if side else self.rect(), self._image
            )
        if self.grid is not None and self._mesh is None:
            painter.drawText(
                self.rect(), Qt.AlignmentFlag.AlignCenter, "Nothing is solid at this threshold"
            )
        painter.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton:
            self._drag = event.position().toPoint()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._drag is None:
            return
        here = event.position().toPoint()
        delta = here - self._drag
        self._drag = here
        self.set_camera(self.camera.orbit(-delta.x() * ORBIT_SPEED, delta.y() * ORBIT_SPEED))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self._drag = None

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.set_camera(self.camera.zoomed(1.15**steps))


class VoxelViewer(QWidget):
    """The dock's contents: the view, its controls, Send to canvas, Export and Open."""

    #: (image, provenance, latents): the window adds it as a layer
    send_to_canvas = Signal(object, object, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = VoxelView(self)
        self.grids: list[np.ndarray] = []
        self.provenance: dict[str, Any] = {}
        self.latents: dict[str, Any] = {}
        self.smooth = 0.0

        self.threshold = QSlider(Qt.Orientation.Horizontal)
        self.threshold.setRange(5, 95)
        self.threshold.setValue(50)
        self.threshold.setToolTip("Occupancy at which a voxel is solid")
        self.threshold_label = QLabel("0.50")
        self.threshold.valueChanged.connect(self._threshold_moved)
        self.colour = QComboBox()
        self.colour.addItem("Colour by height", "height")
        self.colour.addItem("Colour by normal", "normal")
        self.colour.currentIndexChanged.connect(
            lambda: self.view.set_colour(self.colour.currentData())
        )
        self.shape = QSlider(Qt.Orientation.Horizontal)
        self.shape.setToolTip("Which shape of the result")
        self.shape.valueChanged.connect(self._shape_moved)
        self.shape.hide()
        self.status = QLabel("No shape yet: run Voxel preview, or Open… a voxel file")
        self.status.setWordWrap(True)
        send = QPushButton("Send to canvas")
        send.setToolTip("Add this view as an image layer")
        send.clicked.connect(self._send)
        export = QPushButton("Export…")
        export.setToolTip("Save a mesh (.obj .ply .stl), a grid (.npy .binvox) or a turntable")
        export.clicked.connect(self._export)
        open_file = QPushButton("Open…")
        open_file.clicked.connect(self._open)
        self.buttons = (send, export)

        row = QHBoxLayout()
        row.addWidget(QLabel("Threshold"))
        row.addWidget(self.threshold, 1)
        row.addWidget(self.threshold_label)
        buttons = QHBoxLayout()
        for b in (open_file, export, send):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.shape)
        layout.addLayout(row)
        layout.addWidget(self.colour)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        self._enable()

    # -- content -----------------------------------------------------------------
    def show_result(
        self,
        voxels: Any,
        provenance: dict[str, Any] | None = None,
        latents: dict[str, Any] | None = None,
        threshold: float | None = None,
        smooth: float = 0.0,
    ) -> None:
        """Show an action's voxels ((X, Y, Z) or (N, X, Y, Z)) and remember how they were made."""
        from ganstudio.core.voxels.export import as_grids

        self.grids = as_grids(voxels)
        self.provenance, self.latents = dict(provenance or {}), dict(latents or {})
        self.smooth = smooth
        if threshold is not None:
            self.threshold.blockSignals(True)
            self.threshold.setValue(round(threshold * 100))
            self.threshold.blockSignals(False)
            self.threshold_label.setText(f"{threshold:.2f}")
            self.view.threshold = threshold
        self.shape.blockSignals(True)
        self.shape.setRange(0, len(self.grids) - 1)
        self.shape.setValue(0)
        self.shape.blockSignals(False)
        self.shape.setVisible(len(self.grids) > 1)
        self.view.set_grid(self.grids[0])
        self._enable()

    def _enable(self) -> None:
        for b in self.buttons:
            b.setEnabled(bool(self.grids))
        if self.grids:
            g = self.view.grid
            assert g is not None
            many = (
                f"shape {self.shape.value() + 1} of {len(self.grids)}, "
                if len(self.grids) > 1
                else ""
            )
            self.status.setText(
                f"{many}{'×'.join(map(str, g.shape))}, {self.view.solid_voxels} solid voxels "
                f"({self.view.renderer_name})"
            )

    def _threshold_moved(self, value: int) -> None:
        self.threshold_label.setText(f"{value / 100:.2f}")
        self.view.set_threshold(value / 100)
        self._enable()

    def _shape_moved(self, index: int) -> None:
        if 0 <= index < len(self.grids):
            self.view.set_grid(self.grids[index])
            self._enable()

    # -- buttons -----------------------------------------------------------------
    def view_provenance(self) -> dict[str, Any]:
        cam = self.view.camera
        view = {
            "yaw": round(cam.yaw, 2),
            "pitch": round(cam.pitch, 2),
            "zoom": round(cam.zoom, 3),
            "threshold": self.view.threshold,
            "colour": self.view.colour,
            "shape": self.shape.value(),
        }
        return {**self.provenance, "voxel_view": view}

    def _send(self) -> None:
        image = self.view.picture(512, supersample=2)
        latents = self.latents
        z = latents.get("z")
        if z is not None and len(np.asarray(z)) > 1:  # the shown shape's own latent
            latents = {"z": np.asarray(z)[self.shape.value() : self.shape.value() + 1]}
        self.send_to_canvas.emit(image, self.view_provenance(), latents)

    def _export(self) -> None:
        from ganstudio.core.voxels.export import VOXEL_OUTPUTS, save_voxels

        patterns = " ".join(f"*{e}" for e in VOXEL_OUTPUTS)
        path, _ = QFileDialog.getSaveFileName(
            self, "Export shape", "shape.obj", f"Shapes ({patterns})"
        )
        if not path:
            return
        try:
            save_voxels(
                path,
                self.view.grid,
                provenance=self.view_provenance(),
                threshold=self.view.threshold,
                smooth=self.smooth,
            )
        except (VoxelError, OSError) as exc:
            show_error(self, "Could not export the shape", str(exc))
            return
        self.status.setText(f"Wrote {Path(path).name}")

    def _open(self) -> None:
        from ganstudio.core.voxels import read_grid

        path, _ = QFileDialog.getOpenFileName(
            self, "Open a voxel grid", "", "Voxel grids (*.binvox *.npy *.npz)"
        )
        if not path:
            return
        try:
            grid = read_grid(path)
        except VoxelError as exc:
            show_error(self, "Could not open the voxel grid", str(exc))
            return
        self.show_result(grid, {"source": {"file": Path(path).name}})


def install_voxel_viewer(window: Any) -> QDockWidget:
    """Add the viewer dock to the main window (hidden) and open it when voxels arrive."""
    viewer = VoxelViewer()
    dock = QDockWidget("Voxels", window)
    dock.setObjectName("dock_voxels")  # its place is saved with the window's state
    dock.setWidget(viewer)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    dock.hide()
    window.voxel_viewer, window.voxel_dock = viewer, dock

    def finished(job: Any) -> None:
        result = getattr(job, "result", None)
        if getattr(getattr(job, "status", None), "value", None) != "done":
            return
        if not (isinstance(result, tuple) and len(result) == 2):
            return
        output = result[1]
        action_result = getattr(output, "result", None)
        voxels = getattr(action_result, "voxels", None)
        if action_result is None or voxels is None:
            return
        info = action_result.info or {}
        try:
            viewer.show_result(
                voxels,
                output.provenance,
                action_result.latents,
                float(info.get("threshold", 0.5)),
                float(info.get("smooth", 0.0)),
            )
        except VoxelError as exc:
            window.statusBar().showMessage(f"Cannot show the shape: {exc}", 6000)
            return
        dock.show()
        dock.raise_()

    def send(image: Image.Image, provenance: dict[str, Any], latents: dict[str, Any]) -> None:
        window.document.add_layer(image, "Voxel view", provenance=provenance, latents=latents)

    window.runner.job_finished.connect(finished)
    viewer.send_to_canvas.connect(send)
    return dock
