"""The canvas: a QGraphicsView that shows a Document's layers.

Zoom with the wheel, Ctrl+0 fits, Ctrl+1 is 100 %; pan with space-drag or the
middle button; a left drag draws a rectangular selection.  A preview item on
top shows an interactive action's newest result before it is applied.

Pixels are drawn smoothly (bilinear) when the view is fitted or zoomed out, so
a 64 px face fitted to the window looks like a face, not a grid of blocks; at
100 % and when the user zooms in on purpose they are drawn as they are
(nearest neighbour), for pixel inspection.
"""

from __future__ import annotations

from PIL import Image
from PySide6.QtCore import QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPen,
    QPixmap,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QGraphicsPixmapItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsView,
    QWidget,
)

from ganstudio.core.document import DocEvent, Document


def pil_to_qimage(image: Image.Image) -> QImage:
    """A deep copy, so the QImage never points at freed PIL memory."""
    # layers are RGBA already: converting would copy them once more (1 s for 96 MP)
    rgba = image if image.mode == "RGBA" else image.convert("RGBA")
    data = rgba.tobytes("raw", "RGBA")
    return QImage(data, rgba.width, rgba.height, rgba.width * 4,
                  QImage.Format.Format_RGBA8888).copy()


def qimage_to_pil(image: QImage) -> Image.Image:
    img = image.convertToFormat(QImage.Format.Format_RGBA8888)
    ptr = img.constBits()
    raw = bytes(ptr)[: img.sizeInBytes()]
    stride = img.bytesPerLine()
    return Image.frombuffer("RGBA", (img.width(), img.height()), raw, "raw", "RGBA", stride, 1)


class Canvas(QGraphicsView):
    """Shows the document; emits ``selection_changed`` with the selected rect (or None)."""

    selection_changed = Signal(object)  # tuple[int, int, int, int] | None
    zoom_changed = Signal(float)

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setDragMode(QGraphicsView.DragMode.NoDrag)
        self.setBackgroundBrush(QColor("#141517"))
        self._items: list[QGraphicsPixmapItem] = []
        self._page = QGraphicsRectItem()
        self._page.setBrush(QBrush(QColor("#2a2b2f"), Qt.BrushStyle.Dense4Pattern))
        self._page.setPen(QPen(QColor("#3a3b40"), 0))
        self._page.setZValue(-1)
        self.scene().addItem(self._page)
        self._preview = QGraphicsPixmapItem()
        self._preview.setZValue(10_000)
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

    def _on_doc(self, event: DocEvent) -> None:
        if event.kind == "layer" and event.index is not None and event.index < len(self._items):
            self._sync(event.index)
        elif event.kind in ("layers", "reset"):
            self.rebuild()

    def rebuild(self) -> None:
        for item in self._items:
            self.scene().removeItem(item)
        self._items = []
        for i in range(len(self.document)):
            item = QGraphicsPixmapItem()
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
        item.setPixmap(QPixmap.fromImage(pil_to_qimage(layer.image)))
        item.setPos(*layer.offset)
        item.setOpacity(layer.opacity)
        item.setVisible(layer.visible)
        item.setZValue(index)

    # -- preview ------------------------------------------------------------------
    def show_preview(self, image: Image.Image, origin: tuple[int, int] = (0, 0),
                     footprint: tuple[int, int] | None = None) -> None:
        """Show a result over the canvas; an upscaled one is drawn in its input's place
        (``footprint``), so zooming in shows the new detail where it will go."""
        self._preview.setPixmap(QPixmap.fromImage(pil_to_qimage(image)))
        self._preview.setPos(*origin)
        fw, fh = footprint or image.size
        self._preview.setTransformationMode(self._pixel_mode())
        self._preview.setTransform(QTransform.fromScale(fw / image.width, fh / image.height))
        self._preview.show()
        if not len(self.document):
            w, h = image.size
            self._page.setRect(0, 0, max(w, self.document.size[0]), max(h, self.document.size[1]))

    def clear_preview(self) -> None:
        self._preview.setPixmap(QPixmap())
        self._preview.hide()

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
        return (Qt.TransformationMode.SmoothTransformation if self.smooth
                else Qt.TransformationMode.FastTransformation)

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
            self.set_zoom(self.zoom * (1.25 ** steps))
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
            self._sel_item.setRect(QRectF(QRect(rect[0], rect[1], rect[2] - rect[0],
                                                rect[3] - rect[1])))
            self._sel_item.show()
        self.selection_changed.emit(rect)

    # -- mouse and keys -----------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = True
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
        elif event.key() == Qt.Key.Key_Escape:
            self.set_selection(None)
        else:
            super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = False
            self.viewport().unsetCursor()
        else:
            super().keyReleaseEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        pan = event.button() == Qt.MouseButton.MiddleButton or (
            event.button() == Qt.MouseButton.LeftButton and self._space)
        if pan:
            self._pan_from = event.position()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
        elif event.button() == Qt.MouseButton.LeftButton:
            self._sel_from = self.mapToScene(event.position().toPoint())
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._pan_from is not None:
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
        if self._pan_from is not None:
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
