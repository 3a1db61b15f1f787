"""Pick one face of a photo by clicking it: the GUI side of a :class:`FaceParam`.

A photo with several faces needs the user to say which one to edit.  Typing an
index (``face=1``) means knowing the detector's order; here the faces found in
the action's input are outlined on the canvas and numbered as the action will
number them, and a click on one sets the param.  Esc gives up and leaves the
value as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PIL import Image
from PySide6.QtCore import QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QKeySequence, QPen, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QGraphicsItem,
    QGraphicsRectItem,
    QGraphicsSimpleTextItem,
)

from ganstudio.gui.canvas import Canvas

BOX_COLOUR = QColor(255, 196, 0)
OVERLAY_Z = 30_000  # above every layer, the preview and the selection
OUTLINE_TAG = "face-outline"  # item data 0 of the outlines and their numbers


class _PickTool:
    """The canvas tool while picking: a click chooses the box under it."""

    def __init__(self, picker: FacePicker) -> None:
        self.picker = picker

    def press(self, pos: QPointF, pressure: float) -> None:
        self.picker.click(pos)

    def move(self, pos: QPointF, pressure: float) -> None:
        pass

    def release(self, pos: QPointF, pressure: float) -> None:
        pass

    def outline_radius(self) -> float:
        return 0.0


class FacePicker(QObject):
    """Outlines the faces of the action's input; a click sets the FaceParam's editor."""

    message = Signal(str)

    def __init__(
        self,
        canvas: Canvas,
        image_input: Callable[[], tuple[Image.Image, tuple[int, int]] | None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.canvas = canvas
        #: the action's input and its place on the page (ActionController.image_input)
        self.image_input = image_input
        self.editor: Any = None  # the ParamEditor being set
        self.boxes: list[QRectF] = []  # scene coordinates, in the detector's order
        self._items: list[QGraphicsItem] = []
        self._tool_before: Any = None
        self._escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), canvas)
        self._escape.setContext(Qt.ShortcutContext.WindowShortcut)
        self._escape.setEnabled(False)
        self._escape.activated.connect(self.cancel)

    @property
    def active(self) -> bool:
        return self.editor is not None

    def start(self, editor: Any) -> None:
        """Find the faces in the input and wait for a click on one."""
        self.cancel()
        got = self.image_input()
        if got is None:
            self.message.emit("Open a photo first: the faces are looked for in the active layer")
            return
        image, (ox, oy) = got
        from ganstudio.core.photo import detect_faces  # OpenCV: imported on first use

        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            found, method = detect_faces(image)
        finally:
            QApplication.restoreOverrideCursor()
        if not found:
            self.message.emit(
                f"No face found in the input ({method}); "
                "'Largest' then uses the photo's centre square"
            )
            return
        self.editor = editor
        self.boxes = [QRectF(ox + x, oy + y, w, h) for x, y, w, h in found]
        self._draw()
        self._tool_before = self.canvas.tool
        self.canvas.set_tool(_PickTool(self))
        self._escape.setEnabled(True)
        self.message.emit(
            f"{len(found)} face(s) found: click the one to edit (Esc cancels; 0 is the largest)"
        )

    def _draw(self) -> None:
        scene = self.canvas.scene()
        zoom = max(self.canvas.zoom, 1e-3)
        pen = QPen(BOX_COLOUR, 2.0 / zoom)  # two screen pixels whatever the zoom
        font = QFont()
        font.setBold(True)
        font.setPointSizeF(max(6.0, 14.0 / zoom))
        for i, rect in enumerate(self.boxes):
            box = QGraphicsRectItem(rect)
            box.setPen(pen)
            box.setBrush(QBrush(QColor(255, 196, 0, 40)))
            label = QGraphicsSimpleTextItem(str(i))
            label.setFont(font)
            label.setBrush(QBrush(BOX_COLOUR))
            label.setPos(rect.topLeft() + QPointF(3 / zoom, 1 / zoom))
            for item in (box, label):
                item.setZValue(OVERLAY_Z)
                item.setData(0, OUTLINE_TAG)
                scene.addItem(item)
                self._items.append(item)

    def face_at(self, pos: QPointF) -> int | None:
        """The face under ``pos`` (the smallest box holding it), or None."""
        hits = [i for i, r in enumerate(self.boxes) if r.contains(pos)]
        if not hits:
            return None
        return min(hits, key=lambda i: self.boxes[i].width() * self.boxes[i].height())

    def click(self, pos: QPointF) -> None:
        index = self.face_at(pos)
        if index is None:
            self.message.emit("Click inside one of the outlined faces (Esc cancels)")
            return
        editor = self.editor
        self._finish()
        editor.set_value(index)
        self.message.emit(f"Face {index} picked")

    def cancel(self) -> None:
        """Give up picking; the param keeps its value."""
        if self.active:
            self._finish()

    def _finish(self) -> None:
        scene = self.canvas.scene()
        for item in self._items:
            scene.removeItem(item)
        self._items.clear()
        self.boxes = []
        self.editor = None
        self._escape.setEnabled(False)
        if isinstance(self.canvas.tool, _PickTool):
            self.canvas.set_tool(self._tool_before)
        self._tool_before = None
