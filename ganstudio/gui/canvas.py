"""The canvas: a QGraphicsView that shows a Document's layers.

Zoom with the wheel, Ctrl+0 fits, Ctrl+1 is 100 %; pan with space-drag or the
middle button; a left drag draws a rectangular selection, or paints when a
tool (:mod:`ganstudio.gui.tools`) is active.  A preview item on top shows an
interactive action's newest result before it is applied, and the before/after
view compares it (or the active layer) with what lies under it.  Layers are
drawn with their mask applied and their blend mode as the painter's
composition mode (the W3C formulas export uses too).

Pixels are drawn smoothly (bilinear) when the view is fitted or zoomed out, so
a 64 px face fitted to the window looks like a face, not a grid of blocks; at
100 % and when the user zooms in on purpose they are drawn as they are
(nearest neighbour), for pixel inspection.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np
from PIL import Image
from PySide6.QtCore import QEvent, QObject, QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPen,
    QPixmap,
    QTabletEvent,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QGraphicsPixmapItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsView,
    QStyleOptionGraphicsItem,
    QWidget,
)

from ganstudio.core.document import DocEvent, Document


def pil_to_qimage(image: Image.Image) -> QImage:
    """A deep copy, so the QImage never points at freed PIL memory."""
    # layers are RGBA already: converting would copy them once more (1 s for 96 MP)
    rgba = image if image.mode == "RGBA" else image.convert("RGBA")
    data = rgba.tobytes("raw", "RGBA")
    return QImage(
        data, rgba.width, rgba.height, rgba.width * 4, QImage.Format.Format_RGBA8888
    ).copy()


def qimage_to_pil(image: QImage) -> Image.Image:
    img = image.convertToFormat(QImage.Format.Format_RGBA8888)
    ptr = img.constBits()
    raw = bytes(ptr)[: img.sizeInBytes()]
    stride = img.bytesPerLine()
    return Image.frombuffer("RGBA", (img.width(), img.height()), raw, "raw", "RGBA", stride, 1)


_COMPOSITION = {
    "normal": QPainter.CompositionMode.CompositionMode_SourceOver,
    "multiply": QPainter.CompositionMode.CompositionMode_Multiply,
    "screen": QPainter.CompositionMode.CompositionMode_Screen,
    "overlay": QPainter.CompositionMode.CompositionMode_Overlay,
}


def rgba_to_qimage(pixels: np.ndarray) -> QImage:
    """An (H, W, 4) uint8 array as a QImage (a deep copy)."""
    pixels = np.ascontiguousarray(pixels, dtype=np.uint8)
    h, w = pixels.shape[:2]
    return QImage(pixels.data, w, h, w * 4, QImage.Format.Format_RGBA8888).copy()


class CanvasTool(Protocol):
    """What the canvas asks of a painting tool (see :mod:`ganstudio.gui.tools`)."""

    def press(self, pos: QPointF, pressure: float) -> None: ...
    def move(self, pos: QPointF, pressure: float) -> None: ...
    def release(self, pos: QPointF, pressure: float) -> None: ...
    def outline_radius(self) -> float: ...


class LayerItem(QGraphicsPixmapItem):
    """A layer (or the preview) on the canvas: a blend mode, and a left edge for before/after.

    ``clip_x`` (a function giving a scene x, asked at each paint so zoom and
    scroll never leave it stale) hides what lies left of it, so the view shows
    what is under the item there: the "before" half of the split view.
    """

    def __init__(self) -> None:
        super().__init__()
        self.blend = "normal"
        self.clip_x: Callable[[], float] | None = None

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        if self.clip_x is not None:
            left = self.mapFromScene(QPointF(self.clip_x(), 0)).x()
            rect = self.boundingRect()
            if left >= rect.right():
                return
            painter.setClipRect(
                QRectF(left, rect.top(), rect.right() - left, rect.height()),
                Qt.ClipOperation.IntersectClip,
            )
        if self.blend != "normal":
            painter.setCompositionMode(_COMPOSITION[self.blend])
        super().paint(painter, option, widget)  # type: ignore[arg-type]


class Canvas(QGraphicsView):
    """Shows the document; emits ``selection_changed`` with the selected rect (or None)."""

    selection_changed = Signal(object)  # tuple[int, int, int, int] | None
    zoom_changed = Signal(float)
    document_changed = Signal(object)  # Document, after set_document
    compare_changed = Signal()  # the before/after view was switched or moved

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setDragMode(QGraphicsView.DragMode.NoDrag)
        self.setBackgroundBrush(QColor("#141517"))
        self._items: list[LayerItem] = []
        self._page = QGraphicsRectItem()
        self._page.setBrush(QBrush(QColor("#2a2b2f"), Qt.BrushStyle.Dense4Pattern))
        self._page.setPen(QPen(QColor("#3a3b40"), 0))
        self._page.setZValue(-1)
        self.scene().addItem(self._page)
        self._preview = LayerItem()
        self._preview.setZValue(10_000)
        self._preview.hide()  # until there is a preview: has_preview was True at start
        self.scene().addItem(self._preview)
        self._sel_item = QGraphicsRectItem()
        pen = QPen(QColor("#4f8cff"), 0, Qt.PenStyle.DashLine)
        self._sel_item.setPen(pen)
        self._sel_item.setBrush(QColor(79, 140, 255, 40))
        self._sel_item.setZValue(20_000)
        self._sel_item.hide()
        self.scene().addItem(self._sel_item)
        self.selection: tuple[int, int, int, int] | None = None
        self._fitted = False  # the zoom came from fit(), not from the user
        self._space = False
        self._pan_from: QPointF | None = None
        self._sel_from: QPointF | None = None
        # editor tools: the active painting tool, the pointer, the before/after view
        self.tool: CanvasTool | None = None
        self._tool_down = False
        self._hover: QPointF | None = None
        self.compare_split = False  # the split slider is shown
        self.compare_hold = False  # "before" shown in full (a held key)
        self.split_fraction = 0.5  # of the viewport's width
        self._split_drag = False
        self.viewport().installEventFilter(self)  # tablet events: pressure
        self.viewport().setMouseTracking(True)
        self.document = document
        document.connect(self._on_doc)
        self.rebuild()

    # -- document -----------------------------------------------------------------
    def set_document(self, document: Document) -> None:
        self.document.disconnect(self._on_doc)
        self.document = document
        document.connect(self._on_doc)
        self.clear_preview()
        self.set_selection(None)
        self.rebuild()
        self.fit()
        self.document_changed.emit(document)

    def _on_doc(self, event: DocEvent) -> None:
        if event.kind == "layer" and event.index is not None and event.index < len(self._items):
            self._sync(event.index)
        elif event.kind in ("layers", "reset"):
            self.rebuild()
        elif event.kind == "active":
            self._update_compare()  # "after" is the active layer when no preview is shown

    def rebuild(self) -> None:
        for item in self._items:
            self.scene().removeItem(item)
        self._items = []
        for i in range(len(self.document)):
            item = LayerItem()
            self.scene().addItem(item)
            self._items.append(item)
            self._sync(i)
        w, h = self.document.size
        self._page.setRect(0, 0, w, h)
        self.scene().setSceneRect(QRectF(-w, -h, 3 * w, 3 * h))

    def _sync(self, index: int) -> None:
        layer = self.document.layer(index)
        item = self._items[index]
        item.setTransformationMode(self._pixel_mode())
        item.setPixmap(QPixmap.fromImage(pil_to_qimage(layer.rendered())))
        item.setPos(*layer.offset)
        item.setOpacity(layer.opacity)
        item.setVisible(layer.visible)
        item.setZValue(index)
        item.blend = layer.blend
        self._update_compare()

    def show_layer_pixels(self, index: int, origin: tuple[int, int], patch: np.ndarray) -> None:
        """Redraw one patch of a layer (RGBA, mask applied) at ``origin`` in the layer:
        what a brush stroke changed, without converting the whole layer again."""
        if not 0 <= index < len(self._items) or patch.size == 0:
            return
        item = self._items[index]
        pixmap = item.pixmap()
        item.setPixmap(QPixmap())  # ours is then the only reference: painting copies nothing
        painter = QPainter(pixmap)
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
        painter.drawImage(origin[0], origin[1], rgba_to_qimage(patch))
        painter.end()
        item.setPixmap(pixmap)

    # -- preview ------------------------------------------------------------------
    def show_preview(
        self,
        image: Image.Image,
        origin: tuple[int, int] = (0, 0),
        footprint: tuple[int, int] | None = None,
    ) -> None:
        """Show a result over the canvas; an upscaled one is drawn in its input's place
        (``footprint``), so zooming in shows the new detail where it will go."""
        self._preview.setPixmap(QPixmap.fromImage(pil_to_qimage(image)))
        self._preview.setPos(*origin)
        fw, fh = footprint or image.size
        self._preview.setTransformationMode(self._pixel_mode())
        self._preview.setTransform(QTransform.fromScale(fw / image.width, fh / image.height))
        self._preview.show()
        self._update_compare()
        if not len(self.document):
            w, h = image.size
            self._page.setRect(0, 0, max(w, self.document.size[0]), max(h, self.document.size[1]))

    def clear_preview(self) -> None:
        self._preview.setPixmap(QPixmap())
        self._preview.hide()
        self._update_compare()

    @property
    def has_preview(self) -> bool:
        return self._preview.isVisible()

    # -- zoom ---------------------------------------------------------------------
    @property
    def zoom(self) -> float:
        return self.transform().m11()

    def set_zoom(self, factor: float) -> None:
        factor = max(0.02, min(64.0, factor))
        self.resetTransform()
        self.scale(factor, factor)
        self._fitted = False
        self._update_pixel_mode()
        self.zoom_changed.emit(factor)

    def fit(self) -> None:
        rect = self._page.rect()
        if rect.isEmpty():
            return
        self.fitInView(rect.adjusted(-8, -8, 8, 8), Qt.AspectRatioMode.KeepAspectRatio)
        self._fitted = True
        self._update_pixel_mode()
        self.zoom_changed.emit(self.zoom)

    @property
    def smooth(self) -> bool:
        """Bilinear pixels: fitted to the window, or zoomed out below 100 %."""
        return self._fitted or self.zoom < 1.0

    def _pixel_mode(self) -> Qt.TransformationMode:
        return (
            Qt.TransformationMode.SmoothTransformation
            if self.smooth
            else Qt.TransformationMode.FastTransformation
        )

    def _update_pixel_mode(self) -> None:
        mode = self._pixel_mode()
        for item in [*self._items, self._preview]:
            item.setTransformationMode(mode)

    def actual_size(self) -> None:
        self.set_zoom(1.0)
        self.centerOn(self._page.rect().center())

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt API
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.set_zoom(self.zoom * (1.25**steps))
        event.accept()

    # -- selection ----------------------------------------------------------------
    def set_selection(self, rect: tuple[int, int, int, int] | None) -> None:
        if rect is not None:
            x0, y0, x1, y1 = rect
            w, h = self.document.size
            x0, x1 = sorted((max(0, min(w, x0)), max(0, min(w, x1))))
            y0, y1 = sorted((max(0, min(h, y0)), max(0, min(h, y1))))
            rect = (x0, y0, x1, y1) if x1 - x0 >= 2 and y1 - y0 >= 2 else None
        self.selection = rect
        if rect is None:
            self._sel_item.hide()
        else:
            self._sel_item.setRect(
                QRectF(QRect(rect[0], rect[1], rect[2] - rect[0], rect[3] - rect[1]))
            )
            self._sel_item.show()
        self.selection_changed.emit(rect)

    # -- mouse and keys -----------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = True
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
        elif event.key() == Qt.Key.Key_Escape:
            self.set_selection(None)
        elif event.key() == Qt.Key.Key_Backslash and not event.modifiers():
            if not event.isAutoRepeat():
                self.set_compare_hold(True)  # hold \ : "before" in full
        else:
            super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = False
            self.viewport().unsetCursor()
        elif event.key() == Qt.Key.Key_Backslash and not event.modifiers():
            if not event.isAutoRepeat():
                self.set_compare_hold(False)
        else:
            super().keyReleaseEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        pan = event.button() == Qt.MouseButton.MiddleButton or (
            event.button() == Qt.MouseButton.LeftButton and self._space
        )
        if pan:
            self._pan_from = event.position()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
        elif event.button() == Qt.MouseButton.LeftButton and self._near_split(event.position()):
            self._split_drag = True
        elif event.button() == Qt.MouseButton.LeftButton and self.tool is not None:
            self._tool_down = True
            self.tool.press(self._scene_pos(event.position()), 1.0)
        elif event.button() == Qt.MouseButton.LeftButton:
            self._sel_from = self.mapToScene(event.position().toPoint())
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self._set_hover(self._scene_pos(event.position()))
        if self._split_drag:
            self.set_split_fraction(event.position().x() / max(1, self.viewport().width()))
        elif self._tool_down and self.tool is not None:
            self.tool.move(self._scene_pos(event.position()), 1.0)
        elif self._pan_from is not None:
            delta = event.position() - self._pan_from
            self._pan_from = event.position()
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - int(delta.x()))
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - int(delta.y()))
        elif self._sel_from is not None:
            p = self.mapToScene(event.position().toPoint())
            a = self._sel_from
            self._sel_item.setRect(QRectF(a, p).normalized())
            self._sel_item.show()
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._split_drag:
            self._split_drag = False
        elif self._tool_down and self.tool is not None:
            self._tool_down = False
            self.tool.release(self._scene_pos(event.position()), 1.0)
        elif self._pan_from is not None:
            self._pan_from = None
            if self._space:
                self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            else:
                self.viewport().unsetCursor()
        elif self._sel_from is not None:
            a, b = self._sel_from, self.mapToScene(event.position().toPoint())
            self._sel_from = None
            self.set_selection((round(a.x()), round(a.y()), round(b.x()), round(b.y())))
        event.accept()

    # -- painting tools: pointer and pressure ---------------------------------------
    def _scene_pos(self, view_pos: QPointF) -> QPointF:
        """Sub-pixel scene coordinates (mapToScene of a QPoint would round them)."""
        return self.viewportTransform().inverted()[0].map(view_pos)

    def set_tool(self, tool: CanvasTool | None) -> None:
        """The tool that gets left drags (None: the rectangular selection)."""
        if self._tool_down and self.tool is not None:
            self.tool.release(self._hover or QPointF(), 1.0)
        self._tool_down = False
        self.tool = tool
        self.viewport().setCursor(
            Qt.CursorShape.CrossCursor if tool is not None else Qt.CursorShape.ArrowCursor
        )
        self.viewport().update()

    def _set_hover(self, pos: QPointF | None) -> None:
        """Move the brush outline: repaint only where it was and where it goes."""
        old, self._hover = self._hover, pos
        if self.tool is None:
            return
        radius = self.tool.outline_radius() + 2 / max(self.zoom, 1e-6)
        for centre in (old, pos):
            if centre is not None:
                rect = QRectF(centre.x() - radius, centre.y() - radius, 2 * radius, 2 * radius)
                area = self.mapFromScene(rect).boundingRect()
                self.viewport().update(area.adjusted(-3, -3, 3, 3))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        """Tablet pen events drive the tool with their pressure; unhandled, Qt turns
        them into mouse events (pressure 1.0)."""
        kinds = (QEvent.Type.TabletPress, QEvent.Type.TabletMove, QEvent.Type.TabletRelease)
        if (
            watched is self.viewport()
            and event.type() in kinds
            and self.tool is not None
            and not self._space
        ):
            assert isinstance(event, QTabletEvent)
            pos = self._scene_pos(event.position())
            pressure = float(event.pressure())
            self._set_hover(pos)
            if event.type() == QEvent.Type.TabletPress:
                self._tool_down = True
                self.tool.press(pos, pressure)
            elif event.type() == QEvent.Type.TabletMove and self._tool_down:
                self.tool.move(pos, pressure)
            elif event.type() == QEvent.Type.TabletRelease and self._tool_down:
                self._tool_down = False
                self.tool.release(pos, pressure)
            event.accept()
            return True
        return super().eventFilter(watched, event)

    def leaveEvent(self, event: QEvent) -> None:  # noqa: N802
        self._set_hover(None)
        super().leaveEvent(event)

    # -- before/after view -----------------------------------------------------------
    def set_compare_split(self, on: bool) -> None:
        """Show the split slider: left of it is "before", right of it "after"."""
        self.compare_split = bool(on)
        self._update_compare()

    def set_compare_hold(self, on: bool) -> None:
        """While a key is held, show "before" over the whole view."""
        self.compare_hold = bool(on)
        self._update_compare()

    def set_split_fraction(self, fraction: float) -> None:
        self.split_fraction = min(max(float(fraction), 0.0), 1.0)
        self._update_compare()

    def compare_item(self) -> LayerItem | None:
        """What "after" is: the preview when one is shown, else the active layer."""
        if self._preview.isVisible():
            return self._preview
        index = self.document.active_index
        return self._items[index] if 0 <= index < len(self._items) else None

    def split_scene_x(self) -> float:
        x = self.split_fraction * self.viewport().width()
        return self.viewportTransform().inverted()[0].map(QPointF(x, 0)).x()

    def _near_split(self, view_pos: QPointF) -> bool:
        if not self.compare_split or self.compare_item() is None:
            return False
        return abs(view_pos.x() - self.split_fraction * self.viewport().width()) <= 8

    def _update_compare(self) -> None:
        """Clip the "after" item left of the divider (everything while a key is held)."""
        after = self.compare_item() if (self.compare_split or self.compare_hold) else None
        for item in [*self._items, self._preview]:
            clip = self._compare_clip_x if item is after else None
            if item.clip_x != clip:
                item.clip_x = clip
            item.update()
        mode = (
            QGraphicsView.ViewportUpdateMode.FullViewportUpdate
            if self.compare_split
            else QGraphicsView.ViewportUpdateMode.MinimalViewportUpdate
        )
        if self.viewportUpdateMode() != mode:
            self.setViewportUpdateMode(mode)
        self.viewport().update()
        self.compare_changed.emit()

    def _compare_clip_x(self) -> float:
        return float("inf") if self.compare_hold else self.split_scene_x()

    def drawForeground(self, painter: QPainter, rect: QRectF | QRect) -> None:  # noqa: N802
        super().drawForeground(painter, rect)
        self.paint_before_after(painter)
        self.paint_tool_outline(painter)

    def paint_before_after(self, painter: QPainter) -> None:
        """The split slider: a divider with a handle, "Before" and "After" labels."""
        if not self.compare_split or self.compare_item() is None:
            return
        painter.save()
        painter.resetTransform()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        w, h = self.viewport().width(), self.viewport().height()
        x = round(self.split_fraction * w)
        painter.setPen(QPen(QColor(0, 0, 0, 140), 3))
        painter.drawLine(x, 0, x, h)
        painter.setPen(QPen(QColor("#ffffff"), 1))
        painter.drawLine(x, 0, x, h)
        painter.setBrush(QColor("#ffffff"))
        painter.setPen(QPen(QColor(0, 0, 0, 160), 1))
        painter.drawEllipse(QPointF(x, h / 2), 11, 11)
        painter.setPen(QPen(QColor("#202124"), 2))
        cy = h / 2
        for sign in (-1, 1):  # two small arrows: "drag me sideways"
            painter.drawLine(QPointF(x + sign * 3, cy - 4), QPointF(x + sign * 7, cy))
            painter.drawLine(QPointF(x + sign * 7, cy), QPointF(x + sign * 3, cy + 4))
        font = painter.font()
        font.setBold(True)
        painter.setFont(font)
        for text, left in (("Before", True), ("After", False)):
            metrics = painter.fontMetrics()
            tw = metrics.horizontalAdvance(text) + 12
            box = QRectF(x - tw - 8 if left else x + 8, 10, tw, metrics.height() + 6)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(0, 0, 0, 150))
            painter.drawRoundedRect(box, 4, 4)
            painter.setPen(QColor("#ffffff"))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()

    def paint_tool_outline(self, painter: QPainter) -> None:
        """The brush's size as a circle under the pointer."""
        if self.tool is None or self._hover is None:
            return
        radius = self.tool.outline_radius()
        if radius <= 0:
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for color, width in ((QColor(0, 0, 0, 160), 3), (QColor(255, 255, 255, 220), 1)):
            pen = QPen(color, width)
            pen.setCosmetic(True)
            painter.setPen(pen)
            painter.drawEllipse(self._hover, radius, radius)
        painter.restore()
