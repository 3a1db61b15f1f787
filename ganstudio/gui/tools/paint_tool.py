"""Brush, eraser and mask brush: canvas pointer events → :class:`~ganstudio.core.paint.Stroke`.

The maths is in the core; this turns scene positions into layer coordinates,
shows each changed box at once, and commits the finished stroke as one undo
step that keeps only the touched box.  Signals let others follow a stroke as
it happens (a live preview of a sketch, issue 13).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from PIL import Image
from PySide6.QtCore import QObject, QPointF, Signal

from ganstudio.core.document import Document
from ganstudio.core.paint import Box, Brush, Stroke, StrokeMode, apply_mask
from ganstudio.gui.canvas import Canvas

TOOL_NAMES = {"brush": "Brush", "eraser": "Eraser", "mask": "Mask brush"}


class ToolSettings(QObject):
    """What the options bar edits, shared by the three tools (one size for all, as in Krita).

    ``mask_value`` is what the mask brush paints: 0 hides the layer, 255 reveals it.
    """

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.brush = Brush(size=24.0, hardness=0.8, opacity=1.0, color=(20, 20, 24))
        self.mask_value = 0

    def update(self, **changes: object) -> None:
        """Change brush fields (size, hardness, opacity, color, pressure_*) or mask_value."""
        mask_value = changes.pop("mask_value", None)
        if mask_value is not None:
            self.mask_value = 255 if int(mask_value) else 0  # type: ignore[call-overload]
        if changes:
            self.brush = replace(self.brush, **changes).clamped()  # type: ignore[arg-type]
        self.changed.emit()


class LayerArrays:
    """Layer images as NumPy arrays, kept between strokes.

    Turning a 4096² layer into an array takes Pillow about 0.3 s, felt as a lag
    when the pen goes down.  A finished stroke's array *is* the layer's new
    image, so the next stroke on that layer starts from it at no cost.
    """

    def __init__(self, size: int = 4) -> None:
        self.size = size
        self._items: dict[int, tuple[Image.Image, np.ndarray]] = {}

    def get(self, image: Image.Image) -> np.ndarray:
        """A read-only array of ``image`` (shared: do not change it)."""
        hit = self._items.get(id(image))
        if hit is not None and hit[0] is image:
            return hit[1]
        array = np.asarray(image)
        self.put(image, array)
        return array

    def take(self, image: Image.Image) -> np.ndarray:
        """A writable array of ``image`` that the caller then owns (a stroke paints it)."""
        hit = self._items.pop(id(image), None)
        if hit is not None and hit[0] is image and hit[1].flags.writeable:
            return hit[1]
        return np.array(image)

    def put(self, image: Image.Image, array: np.ndarray) -> None:
        self._items[id(image)] = (image, array)
        while len(self._items) > self.size:
            self._items.pop(next(iter(self._items)))


class PaintTool(QObject):
    """One painting tool on the active layer: ``kind`` is brush, eraser or mask."""

    stroke_started = Signal(str)  # layer id
    stroke_updated = Signal(str, object)  # layer id, box (layer coordinates)
    stroke_finished = Signal(str, object)  # layer id, box or None
    message = Signal(str)

    def __init__(
        self,
        kind: str,
        canvas: Canvas,
        settings: ToolSettings,
        parent: QObject | None = None,
        arrays: LayerArrays | None = None,
    ) -> None:
        super().__init__(parent)
        if kind not in TOOL_NAMES:
            raise ValueError(f"unknown tool {kind!r}")
        self.kind, self.canvas, self.settings = kind, canvas, settings
        self.arrays = arrays or LayerArrays()
        self.stroke: Stroke | None = None
        self._doc: Document | None = None
        self._layer_id = ""
        self._offset = (0, 0)
        self._grouped = False
        self._shown_mask: np.ndarray | None = None  # the layer's mask, for an image stroke
        self._shown_image: np.ndarray | None = None  # the layer's image, for a mask stroke

    @property
    def name(self) -> str:
        return TOOL_NAMES[self.kind]

    @property
    def target(self) -> str:
        return "mask" if self.kind == "mask" else "image"

    def outline_radius(self) -> float:
        return self.settings.brush.size / 2.0

    # -- the canvas calls these -----------------------------------------------------
    def press(self, pos: QPointF, pressure: float) -> None:
        doc = self.canvas.document
        index = doc.active_index
        if index < 0:
            self.message.emit(f"{self.name}: there is no layer to paint on; open or add one")
            return
        layer = doc.layer(index)
        if not layer.visible:
            self.message.emit(f"{self.name}: the layer “{layer.name}” is hidden")
            return
        self._doc, self._layer_id, self._offset = doc, layer.id, layer.offset
        self._grouped = self.kind == "mask" and layer.mask is None
        if self._grouped:  # the first mask stroke adds the mask: one undo step for both
            doc.begin_group(f"{self.name} stroke")
            doc.add_mask(index)
            layer = doc.layer(index)
        if self.kind == "mask":
            assert layer.mask is not None
            pixels = self.arrays.take(layer.mask)
            self._shown_image, self._shown_mask = self.arrays.get(layer.image), None
            self.stroke = Stroke(
                pixels, self.settings.brush, "value", self.settings.mask_value, copy=False
            )
        else:
            mode: StrokeMode = "erase" if self.kind == "eraser" else "paint"
            brush = self.settings.brush
            if self.kind == "eraser" and layer.role == "sketch":
                # a sketch is lines on white paper: erasing gives paper back, not holes
                mode, brush = "paint", replace(brush, color=(255, 255, 255))
            self._shown_image = None
            self._shown_mask = self.arrays.get(layer.mask) if layer.mask is not None else None
            self.stroke = Stroke(self.arrays.take(layer.image), brush, mode, copy=False)
        self.stroke_started.emit(self._layer_id)
        self._add(pos, pressure)

    def move(self, pos: QPointF, pressure: float) -> None:
        if self.stroke is not None:
            self._add(pos, pressure)

    def release(self, pos: QPointF, pressure: float) -> None:
        stroke, doc = self.stroke, self._doc
        if stroke is None or doc is None:
            return
        self._add(pos, pressure)
        self.stroke = None
        box = stroke.finish()
        try:
            if box is not None and doc is self.canvas.document:
                index = doc.index_of(self._layer_id)
                doc.apply_patch(index, box, stroke.pixels, self.target, f"{self.name} stroke")
                # the stroke's array is the new image: the next stroke starts from it
                self.arrays.put(getattr(doc.layer(index), self.target), stroke.pixels)
        except KeyError:  # the layer went away during the stroke (an undo): nothing to keep
            box = None
        finally:
            if self._grouped:
                doc.end_group()
                self._grouped = False
        self.stroke_finished.emit(self._layer_id, box)

    # -- reading a stroke as it happens -------------------------------------------
    def current_image(self) -> Image.Image | None:
        """The layer's pixels with the stroke so far (None when no stroke runs)."""
        if self.stroke is None:
            return None
        mode = "L" if self.kind == "mask" else "RGBA"
        return Image.fromarray(self.stroke.pixels.copy(), mode)  # its own: strokes go on

    # -- internals ----------------------------------------------------------------
    def _add(self, pos: QPointF, pressure: float) -> None:
        stroke = self.stroke
        if stroke is None:
            return
        x, y = pos.x() - self._offset[0], pos.y() - self._offset[1]
        box = stroke.add_point(x, y, pressure)
        if box is not None:
            self._show(box)
            self.stroke_updated.emit(self._layer_id, box)

    def _show(self, box: Box) -> None:
        doc, stroke = self._doc, self.stroke
        if doc is None or stroke is None or doc is not self.canvas.document:
            return
        try:
            index = doc.index_of(self._layer_id)
        except KeyError:
            return
        x0, y0, x1, y1 = box
        if self.kind == "mask":
            assert self._shown_image is not None
            patch = apply_mask(self._shown_image[y0:y1, x0:x1], stroke.pixels[y0:y1, x0:x1])
        else:
            mask = self._shown_mask[y0:y1, x0:x1] if self._shown_mask is not None else None
            patch = apply_mask(stroke.pixels[y0:y1, x0:x1], mask)
        self.canvas.show_layer_pixels(index, (x0, y0), patch)
