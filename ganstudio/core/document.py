"""The editor's document: layers, provenance, undo history and project files.

Qt-free on purpose (napari's model/view split): the GUI listens to
:class:`Document` events and calls its methods; it never owns the data.
Every change is a small command with its inverse; ``begin_group``/``end_group``
make one Apply or one stroke a single undo step; the history is bounded by the
pixel memory its commands hold.  A project is a ``.gsproj`` zip holding
``document.json`` plus one PNG (and any latents as ``.npy``) per layer.
"""

from __future__ import annotations

import io
import json
import os
import time
import uuid
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from ganstudio.core.atomic import atomic_path, remove_stale_temps
from ganstudio.core.paint import BLEND_MODES, Box, apply_mask, blend
from ganstudio.core.project_schema import (
    MAX_TOTAL_PIXELS,
    NewerFormatError,
    read_document_json,
    read_latent,
    read_layer_image,
)
from ganstudio.errors import UserError

PROJECT_SUFFIX = ".gsproj"
PROJECT_FORMAT = 3  # 2 added masks, blend modes and roles; 3 playable layers' frames
DEFAULT_HISTORY_BYTES = 512 * 1024 * 1024


class ProjectError(UserError, ValueError):
    """A project file is missing, damaged or from a newer GAN Studio."""


@dataclass
class Layer:
    """One RGBA image in the stack; ``provenance`` says how a generated one was made.

    ``provenance`` is the JSON of :func:`ganstudio.core.actions.provenance`
    (model file + sha, variant, action id, params, seed); ``latents`` holds
    the arrays an action returned so the layer can be edited again.
    """

    image: Image.Image
    name: str = "Layer"
    visible: bool = True
    opacity: float = 1.0
    offset: tuple[int, int] = (0, 0)
    provenance: dict[str, Any] | None = None
    latents: dict[str, np.ndarray] = field(default_factory=dict)
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:10])
    #: a greyscale ("L") image the layer's size: 255 shows the layer, 0 hides it
    mask: Image.Image | None = None
    #: how the layer mixes with those below: one of :data:`ganstudio.core.paint.BLEND_MODES`
    blend: str = "normal"
    #: what the layer is for, when a tool or plugin needs to find it again ("sketch")
    role: str = ""
    #: a playable layer's frames (RGBA, all one size); ``image`` is the one shown
    frames: list[Image.Image] = field(default_factory=list)
    #: how fast ``frames`` play, in frames per second
    fps: float = 8.0
    #: which of ``frames`` ``image`` shows
    frame: int = 0

    def __post_init__(self) -> None:
        if self.image.mode != "RGBA":
            self.image = self.image.convert("RGBA")
        if self.mask is not None:
            self.mask = _fit_mask(self.mask, self.image.size)
        if self.frames:
            self.frames = [f if f.mode == "RGBA" else f.convert("RGBA") for f in self.frames]
            if any(f.size != self.frames[0].size for f in self.frames):
                raise ValueError("the frames of a playable layer must all be one size")
            if not 0 <= self.frame < len(self.frames):
                raise ValueError(f"frame {self.frame} of {len(self.frames)} frames")
            self.fps = check_fps(self.fps)

    @property
    def size(self) -> tuple[int, int]:
        return self.image.size

    @property
    def nbytes(self) -> int:
        w, h = self.image.size
        return (
            w * h * (5 if self.mask is not None else 4)
            + sum(a.nbytes for a in self.latents.values())
            + sum(f.width * f.height * 4 for f in self.frames)
        )

    @property
    def playable(self) -> bool:
        """It has frames and shows one as it was made: an edit of the shown frame
        (a brush stroke, a crop) makes it a still image, which playback would lose."""
        if not self.frames:
            return False
        shown = self.frames[self.frame]
        return self.image is shown or (
            self.image.size == shown.size and self.image.tobytes() == shown.tobytes()
        )

    def rendered(self) -> Image.Image:
        """The pixels as they are seen: the image with its mask applied (not opacity)."""
        if self.mask is None:
            return self.image
        return Image.fromarray(apply_mask(np.asarray(self.image), np.asarray(self.mask)), "RGBA")


def check_fps(fps: Any) -> float:
    """A playback speed in (0, 60] frames per second, or ValueError."""
    if isinstance(fps, bool) or not isinstance(fps, int | float) or not 0 < fps <= 60:
        raise ValueError(f"fps must be a number in (0, 60], got {fps!r}")
    return float(fps)


def clip_of(output: Any) -> dict[str, Any]:
    """A playable layer's ``frames`` and ``fps`` from an action's output (an
    ``animation`` of several frames), or ``{}`` for any other result."""
    images = list(getattr(output, "images", None) or [])
    if getattr(output, "layout", "") != "animation" or len(images) < 2:
        return {}
    fps = output.result.info.get("fps", 8.0)
    try:
        fps = check_fps(fps)
    except ValueError:  # a plugin's odd speed: play at the default one
        fps = 8.0
    size = images[0].size
    return {"frames": [im.resize(size) if im.size != size else im for im in images], "fps": fps}


def _fit_mask(mask: Image.Image, size: tuple[int, int]) -> Image.Image:
    """A mask as mode "L" the size of its layer (a damaged project's odd mask is resized)."""
    mask = mask if mask.mode == "L" else mask.convert("L")
    return mask if mask.size == size else mask.resize(size, Image.Resampling.BILINEAR)


@dataclass
class DocEvent:
    """What changed: ``layers`` (added/removed/moved), ``layer`` (one layer's
    property or pixels; ``index`` set), ``active``, ``history``, ``reset``."""

    kind: str
    index: int | None = None
    name: str = ""


def uniform_scale(source: tuple[int, int], result: tuple[int, int]) -> tuple[float, float] | None:
    """The factor an image→image result was scaled by, when it is one uniform scale.

    ``None`` for a result the size of its input (an edit) and for other shapes
    (a crop, another aspect), which are placed as they are.
    """
    if source == result:
        return None
    (sw, sh), (rw, rh) = source, result
    # one factor f must give both sizes, up to a pixel of rounding (round, floor or ceil)
    low, high = max((rw - 1) / sw, (rh - 1) / sh), min((rw + 1) / sw, (rh + 1) / sh)
    if low > high:
        return None
    return rw / sw, rh / sh  # per axis, so the canvas matches the result exactly


def upscale_factor(source: tuple[int, int], result: tuple[int, int]) -> tuple[float, float] | None:
    """:func:`uniform_scale` when it enlarges: the results that resize the canvas.

    A smaller result is placed as it is, since shrinking every layer would
    throw their pixels away.
    """
    scale = uniform_scale(source, result)
    return scale if scale is not None and min(scale) > 1 else None


#: a layer resampled ahead of time: (the image it was made from, the result, new offset)
Resampled = tuple[Image.Image, Image.Image, tuple[int, int]]


def resample_layers(
    layers: Iterable[tuple[str, Image.Image, tuple[int, int]]], fx: float, fy: float
) -> dict[str, Resampled]:
    """Layers (id, image, offset) scaled by (fx, fy): Lanczos, premultiplied alpha.

    Pure, so a worker thread can do it while the GUI stays responsive; a 24 MP
    layer takes seconds.
    """
    out: dict[str, Resampled] = {}
    for layer_id, image, (ox, oy) in layers:
        size = (max(1, round(image.width * fx)), max(1, round(image.height * fy)))
        out[layer_id] = (
            image,
            image.resize(size, Image.Resampling.LANCZOS),
            (round(ox * fx), round(oy * fy)),
        )
    return out


# --------------------------------------------------------------------------- commands


class Command:
    """A change with its inverse; ``nbytes`` is what it keeps alive in the history."""

    title = "Edit"
    nbytes = 0

    def do(self, doc: Document) -> None:
        raise NotImplementedError

    def undo(self, doc: Document) -> None:
        raise NotImplementedError


class AddLayer(Command):
    title = "Add layer"

    def __init__(self, layer: Layer, index: int) -> None:
        self.layer, self.index = layer, index
        self.nbytes = layer.nbytes

    def do(self, doc: Document) -> None:
        doc._layers.insert(self.index, self.layer)
        doc._active = self.index
        doc._emit(DocEvent("layers"))

    def undo(self, doc: Document) -> None:
        doc._layers.pop(self.index)
        doc._active = min(doc._active, len(doc._layers) - 1)
        doc._emit(DocEvent("layers"))


class RemoveLayer(AddLayer):
    title = "Delete layer"

    def do(self, doc: Document) -> None:
        super().undo(doc)

    def undo(self, doc: Document) -> None:
        super().do(doc)


class MoveLayer(Command):
    title = "Move layer"

    def __init__(self, src: int, dst: int) -> None:
        self.src, self.dst = src, dst

    def _move(self, doc: Document, a: int, b: int) -> None:
        doc._layers.insert(b, doc._layers.pop(a))
        doc._active = b
        doc._emit(DocEvent("layers"))

    def do(self, doc: Document) -> None:
        self._move(doc, self.src, self.dst)

    def undo(self, doc: Document) -> None:
        self._move(doc, self.dst, self.src)


class SetProperty(Command):
    """name / visible / opacity / offset / image / provenance of one layer."""

    def __init__(self, layer_id: str, name: str, old: Any, new: Any) -> None:
        self.layer_id, self.name, self.old, self.new = layer_id, name, old, new
        self.title = f"Change {name}"
        self.nbytes = sum(
            im.size[0] * im.size[1] * len(im.getbands())
            for im in (old, new)
            if isinstance(im, Image.Image)
        )

    def _set(self, doc: Document, value: Any) -> None:
        index = doc.index_of(self.layer_id)
        setattr(doc._layers[index], self.name, value)
        doc._emit(DocEvent("layer", index, self.name))

    def do(self, doc: Document) -> None:
        self._set(doc, self.new)

    def undo(self, doc: Document) -> None:
        self._set(doc, self.old)


class ScaleCanvas(Command):
    """The canvas and every layer resampled by one factor per axis.

    Applying an upscaler makes its result the new resolution; the other layers
    follow (Lanczos, premultiplied alpha) so the composition stays aligned.
    """

    title = "Scale canvas"

    def __init__(
        self, doc: Document, fx: float, fy: float, resampled: dict[str, Resampled] | None = None
    ) -> None:
        w, h = doc.size
        self.old_size, self.new_size = doc.size, (max(1, round(w * fx)), max(1, round(h * fy)))
        self.old = doc.layer_snapshot()
        ready = dict(resampled or {})
        stale = [
            entry
            for entry in self.old  # changed since it was resampled: do it again
            if entry[0] not in ready or ready[entry[0]][0] is not entry[1]
        ]
        ready.update(resample_layers(stale, fx, fy))
        self.new = [(layer_id, *ready[layer_id][1:]) for layer_id, _, _ in self.old]
        self.nbytes = sum(im.size[0] * im.size[1] * 4 for _, im, _ in self.old + self.new)
        # masks follow their layers (bilinear: a mask is a smooth coverage, not detail)
        self.old_masks = {layer.id: layer.mask for layer in doc._layers if layer.mask is not None}
        self.new_masks = {
            layer_id: _fit_mask(mask, ready[layer_id][1].size)
            for layer_id, mask in self.old_masks.items()
        }

    def _set(
        self,
        doc: Document,
        size: tuple[int, int],
        layers: list[tuple[str, Image.Image, tuple[int, int]]],
        masks: dict[str, Image.Image] | None = None,
    ) -> None:
        doc.size = size
        for layer_id, image, offset in layers:
            layer = doc._layers[doc.index_of(layer_id)]
            layer.image, layer.offset = image, offset
            if masks and layer_id in masks:
                layer.mask = masks[layer_id]
        doc._emit(DocEvent("reset"))

    def do(self, doc: Document) -> None:
        self._set(doc, self.new_size, self.new, self.new_masks)

    def undo(self, doc: Document) -> None:
        self._set(doc, self.old_size, self.old, self.old_masks)


# -- painting and canvas commands (the editor tools) ---------------------------------


class PaintPixels(Command):
    """A brush stroke: only the touched box is kept, before and after (memory bound).

    ``target`` is ``"image"`` (RGBA) or ``"mask"`` (L).  The layer gets a new
    image each time; images are replaced, never changed in place.
    """

    def __init__(
        self,
        layer_id: str,
        target: str,
        box: Box,
        before: np.ndarray,
        after: np.ndarray,
        title: str = "Brush stroke",
    ) -> None:
        self.layer_id, self.target, self.box = layer_id, target, box
        self.before, self.after, self.title = before, after, title
        self.nbytes = before.nbytes + after.nbytes

    def _put(self, doc: Document, patch: np.ndarray) -> None:
        index = doc.index_of(self.layer_id)
        layer = doc._layers[index]
        image = getattr(layer, self.target).copy()  # a new image: never changed in place
        image.paste(Image.fromarray(patch, "RGBA" if patch.ndim == 3 else "L"), self.box[:2])
        setattr(layer, self.target, image)
        doc._emit(DocEvent("layer", index, self.target))

    def do(self, doc: Document) -> None:
        self._put(doc, self.after)

    def undo(self, doc: Document) -> None:
        self._put(doc, self.before)


class ResizeCanvas(Command):
    """A new canvas size with every layer shifted; ``clip`` (crop) trims layers to it.

    Without ``clip`` (Canvas size) layers keep their pixels outside the page,
    so growing the canvas again brings them back.
    """

    def __init__(
        self, doc: Document, size: tuple[int, int], shift: tuple[int, int], clip: bool, title: str
    ) -> None:
        self.title = title
        self.old_size, self.new_size = doc.size, size
        self.old = [(layer.id, layer.image, layer.offset, layer.mask) for layer in doc._layers]
        self.new = []
        for layer_id, image, (ox, oy), mask in self.old:
            ox, oy = ox + shift[0], oy + shift[1]
            if clip:
                x0, y0 = max(ox, 0), max(oy, 0)
                x1, y1 = min(ox + image.width, size[0]), min(oy + image.height, size[1])
                if x1 <= x0 or y1 <= y0:  # wholly outside: an empty pixel keeps it a layer
                    x0, y0, x1, y1 = 0, 0, 1, 1
                box = (x0 - ox, y0 - oy, x1 - ox, y1 - oy)
                image = image.crop(box)
                mask = mask.crop(box) if mask is not None else None
                ox, oy = x0, y0
            self.new.append((layer_id, image, (ox, oy), mask))
        if clip:
            self.nbytes = sum(im.width * im.height * 4 for _, im, _, _ in self.new)

    def _set(
        self,
        doc: Document,
        size: tuple[int, int],
        layers: list[tuple[str, Image.Image, tuple[int, int], Image.Image | None]],
    ) -> None:
        doc.size = size
        for layer_id, image, offset, mask in layers:
            layer = doc._layers[doc.index_of(layer_id)]
            layer.image, layer.offset, layer.mask = image, offset, mask
        doc._emit(DocEvent("reset"))

    def do(self, doc: Document) -> None:
        self._set(doc, self.new_size, self.new)

    def undo(self, doc: Document) -> None:
        self._set(doc, self.old_size, self.old)


#: where the old page sits in a resized canvas: (fx, fy) of the free space on the left/top
ANCHORS: dict[str, tuple[float, float]] = {
    "top-left": (0, 0),
    "top": (0.5, 0),
    "top-right": (1, 0),
    "left": (0, 0.5),
    "center": (0.5, 0.5),
    "right": (1, 0.5),
    "bottom-left": (0, 1),
    "bottom": (0.5, 1),
    "bottom-right": (1, 1),
}


class SetCanvasSize(Command):
    """The canvas's size changes; layers keep their pixels and offsets.

    Opening a larger photo as a layer grows the canvas to hold it, and the first
    result generated into an empty document sizes the canvas to itself.
    """

    title = "Canvas size"

    def __init__(self, doc: Document, size: tuple[int, int]) -> None:
        self.old, self.new = doc.size, (max(1, int(size[0])), max(1, int(size[1])))

    def do(self, doc: Document) -> None:
        doc.size = self.new
        doc._emit(DocEvent("reset"))

    def undo(self, doc: Document) -> None:
        doc.size = self.old
        doc._emit(DocEvent("reset"))


def grow_canvas(doc: Document, size: tuple[int, int], offset: tuple[int, int] = (0, 0)) -> bool:
    """Grow the canvas (one undoable command) so an image of ``size`` at ``offset``
    fits; never shrinks.  Returns whether it grew."""
    w = max(doc.size[0], offset[0] + size[0])
    h = max(doc.size[1], offset[1] + size[1])
    if (w, h) == doc.size:
        return False
    doc.execute(SetCanvasSize(doc, (w, h)))
    return True


class Group(Command):
    """Several commands undone and redone as one step."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.children: list[Command] = []

    @property
    def nbytes(self) -> int:  # type: ignore[override]
        return sum(c.nbytes for c in self.children)

    def do(self, doc: Document) -> None:
        for c in self.children:
            c.do(doc)

    def undo(self, doc: Document) -> None:
        for c in reversed(self.children):
            c.undo(doc)


# --------------------------------------------------------------------------- document


class Document:
    """A stack of layers (index 0 is the bottom) with a bounded undo history."""

    def __init__(
        self,
        size: tuple[int, int] = (512, 512),
        max_history_bytes: int = DEFAULT_HISTORY_BYTES,
        max_steps: int = 200,
    ) -> None:
        self.size = size
        self._layers: list[Layer] = []
        self._active = -1
        self._undo: list[Command] = []
        self._redo: list[Command] = []
        self._groups: list[Group] = []
        self._listeners: list[Callable[[DocEvent], None]] = []
        self.max_history_bytes = max_history_bytes
        self.max_steps = max_steps
        self.path: Path | None = None
        self.dirty = False

    # -- events -------------------------------------------------------------------
    def connect(self, listener: Callable[[DocEvent], None]) -> None:
        self._listeners.append(listener)

    def disconnect(self, listener: Callable[[DocEvent], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _emit(self, event: DocEvent) -> None:
        for fn in list(self._listeners):
            fn(event)

    # -- reading ------------------------------------------------------------------
    @property
    def layers(self) -> list[Layer]:
        return list(self._layers)

    def __len__(self) -> int:
        return len(self._layers)

    def layer(self, index: int) -> Layer:
        return self._layers[index]

    def index_of(self, layer_id: str) -> int:
        for i, layer in enumerate(self._layers):
            if layer.id == layer_id:
                return i
        raise KeyError(layer_id)

    @property
    def active_index(self) -> int:
        return self._active

    @property
    def active(self) -> Layer | None:
        return self._layers[self._active] if 0 <= self._active < len(self._layers) else None

    def set_active(self, index: int) -> None:
        """Selection is view state: not an undo step."""
        if index != self._active and -1 <= index < len(self._layers):
            self._active = index
            self._emit(DocEvent("active", index))

    def show_frame(self, index: int, frame: int) -> bool:
        """Show frame ``frame`` (modulo their number) of a playable layer.

        Playback is view state, like the selection: not an undo step, and the
        document stays clean.  False, and nothing changes, when the layer is
        not :attr:`Layer.playable` (its shown frame was edited).
        """
        layer = self._layers[index]
        if not layer.playable:
            return False
        frame %= len(layer.frames)
        if frame != layer.frame:
            layer.frame, layer.image = frame, layer.frames[frame]
            self._emit(DocEvent("layer", index, "frame"))
        return True

    def composite(self, region: tuple[int, int, int, int] | None = None) -> Image.Image:
        """The visible layers blended over transparency, cropped to ``region`` (x0,y0,x1,y1)."""
        out = Image.new("RGBA", self.size, (0, 0, 0, 0))
        for layer in self._layers:
            if not layer.visible or layer.opacity <= 0:
                continue
            im = layer.image
            if layer.opacity < 1 or layer.mask is not None:  # mask and opacity scale alpha
                mask = np.asarray(layer.mask) if layer.mask is not None else None
                im = Image.fromarray(apply_mask(np.asarray(im), mask, layer.opacity), "RGBA")
            tile = Image.new("RGBA", self.size, (0, 0, 0, 0))
            tile.paste(im, layer.offset)
            if layer.blend == "normal":
                out = Image.alpha_composite(out, tile)
            else:
                out = Image.fromarray(blend(np.asarray(out), np.asarray(tile), layer.blend), "RGBA")
        return out.crop(region) if region else out

    # -- history ------------------------------------------------------------------
    def execute(self, command: Command) -> None:
        command.do(self)
        if self._groups:
            self._groups[-1].children.append(command)
        else:
            self._push(command)
        self.dirty = True

    def _push(self, command: Command) -> None:
        self._undo.append(command)
        self._redo.clear()
        self._trim()
        self._emit(DocEvent("history"))

    def _trim(self) -> None:
        while len(self._undo) > 1 and (
            len(self._undo) > self.max_steps or self.history_bytes > self.max_history_bytes
        ):
            self._undo.pop(0)

    @property
    def history_bytes(self) -> int:
        return sum(c.nbytes for c in self._undo) + sum(c.nbytes for c in self._redo)

    def begin_group(self, title: str) -> None:
        self._groups.append(Group(title))

    def end_group(self) -> None:
        group = self._groups.pop()
        if not group.children:
            return
        if self._groups:
            self._groups[-1].children.append(group)
        else:
            self._push(group)

    @contextmanager
    def group(self, title: str) -> Iterator[None]:
        self.begin_group(title)
        try:
            yield
        finally:
            self.end_group()

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    @property
    def undo_title(self) -> str:
        return self._undo[-1].title if self._undo else ""

    @property
    def redo_title(self) -> str:
        return self._redo[-1].title if self._redo else ""

    def undo(self) -> bool:
        if not self._undo:
            return False
        command = self._undo.pop()
        command.undo(self)
        self._redo.append(command)
        self.dirty = True
        self._emit(DocEvent("history"))
        return True

    def redo(self) -> bool:
        if not self._redo:
            return False
        command = self._redo.pop()
        command.do(self)
        self._undo.append(command)
        self.dirty = True
        self._emit(DocEvent("history"))
        return True

    def clear_history(self) -> None:
        self._undo.clear()
        self._redo.clear()
        self._emit(DocEvent("history"))

    # -- editing (each one undoable) ----------------------------------------------
    def add_layer(
        self, image: Image.Image, name: str = "Layer", index: int | None = None, **props: Any
    ) -> Layer:
        """Add above ``index`` (default: the top); grows the canvas to fit the first image."""
        layer = Layer(image, name, **props)
        if not self._layers and self.size != layer.size and not self._undo:
            self.size = layer.size
        self.execute(AddLayer(layer, len(self._layers) if index is None else index))
        return layer

    def scale(
        self, fx: float, fy: float | None = None, resampled: dict[str, Resampled] | None = None
    ) -> None:
        """Resample the canvas and all layers (one undo step), e.g. after upscaling.

        ``resampled`` (from :func:`resample_layers` on a worker) is used for every
        layer whose image is still the one it was made from.
        """
        fy = fx if fy is None else fy
        if fx <= 0 or fy <= 0:
            raise ValueError(f"scale factors must be positive, got {fx} × {fy}")
        if (fx, fy) != (1, 1):
            self.execute(ScaleCanvas(self, fx, fy, resampled))

    def layer_snapshot(self) -> list[tuple[str, Image.Image, tuple[int, int]]]:
        """(id, image, offset) of every layer; images are replaced, never changed in place."""
        return [(layer.id, layer.image, layer.offset) for layer in self._layers]

    def remove_layer(self, index: int) -> None:
        self.execute(RemoveLayer(self._layers[index], index))

    def move_layer(self, src: int, dst: int) -> None:
        if src != dst and 0 <= dst < len(self._layers):
            self.execute(MoveLayer(src, dst))

    def set_layer(self, index: int, **changes: Any) -> None:
        """Change properties of one layer; several changes form one undo step."""
        layer = self._layers[index]
        with self.group(f"Change {', '.join(changes)}"):
            for name, value in changes.items():
                if name not in (
                    "name",
                    "visible",
                    "opacity",
                    "offset",
                    "image",
                    "provenance",
                    "mask",
                    "blend",
                    "role",
                    "fps",
                ):
                    raise AttributeError(f"layers have no settable property {name!r}")
                if name == "image" and value.mode != "RGBA":
                    value = value.convert("RGBA")
                if name == "mask" and value is not None:
                    value = _fit_mask(value, changes.get("image", layer.image).size)
                if name == "blend" and value not in BLEND_MODES:
                    raise ValueError(
                        f"unknown blend mode {value!r}; choose from {', '.join(BLEND_MODES)}"
                    )
                if name == "offset":
                    value = (int(value[0]), int(value[1]))
                if name == "fps":
                    value = check_fps(value)
                old = getattr(layer, name)
                if old is not value and old != value:
                    self.execute(SetProperty(layer.id, name, old, value))

    # -- painting, masks, crop and canvas size (the editor tools) ------------------
    def apply_patch(
        self,
        index: int,
        box: Box,
        pixels: np.ndarray,
        target: str = "image",
        title: str = "Brush stroke",
    ) -> None:
        """Put ``pixels``' ``box`` (a finished stroke) into a layer's image or mask: one
        undo step that keeps only that box, before and after."""
        layer = self._layers[index]
        current = getattr(layer, target) if target in ("image", "mask") else None
        if current is None:
            raise ValueError(f"layer {layer.name!r} has no {target}")
        x0, y0, x1, y1 = box
        x0, y0 = max(0, x0), max(0, y0)
        x1, y1 = min(current.width, x1), min(current.height, y1)
        if x1 <= x0 or y1 <= y0:
            return
        before = np.array(current.crop((x0, y0, x1, y1)))  # not the whole layer as an array
        after = np.ascontiguousarray(pixels[y0:y1, x0:x1], dtype=np.uint8).copy()
        if before.shape != after.shape:
            raise ValueError(f"a {target} patch of shape {after.shape} for {before.shape}")
        self.execute(PaintPixels(layer.id, target, (x0, y0, x1, y1), before, after, title))

    def add_mask(self, index: int, reveal: bool = True) -> None:
        """A mask that shows (``reveal``) or hides the whole layer, to paint in or out."""
        layer = self._layers[index]
        if layer.mask is None:
            fill = 255 if reveal else 0
            self.set_layer(index, mask=Image.new("L", layer.image.size, fill))

    def remove_mask(self, index: int) -> None:
        if self._layers[index].mask is not None:
            self.set_layer(index, mask=None)

    def apply_layer_mask(self, index: int) -> None:
        """Bake the mask into the layer's alpha (one undo step) and drop it."""
        layer = self._layers[index]
        if layer.mask is not None:
            self.set_layer(index, image=layer.rendered(), mask=None)

    def crop(self, box: tuple[int, int, int, int]) -> None:
        """The canvas becomes ``box`` (x0, y0, x1, y1); layers are trimmed to it."""
        w, h = self.size
        x0, x1 = sorted((max(0, min(w, int(box[0]))), max(0, min(w, int(box[2])))))
        y0, y1 = sorted((max(0, min(h, int(box[1]))), max(0, min(h, int(box[3])))))
        if x1 - x0 < 1 or y1 - y0 < 1:
            raise ValueError(f"cannot crop to an empty region {box}")
        if (x0, y0, x1, y1) != (0, 0, w, h):
            self.execute(ResizeCanvas(self, (x1 - x0, y1 - y0), (-x0, -y0), True, "Crop"))

    def resize_canvas(self, width: int, height: int, anchor: str = "center") -> None:
        """A new page size; ``anchor`` says where the old page goes (see :data:`ANCHORS`)."""
        if anchor not in ANCHORS:
            raise ValueError(f"unknown anchor {anchor!r}; choose from {', '.join(ANCHORS)}")
        if not (1 <= width <= 65536 and 1 <= height <= 65536):
            raise ValueError(f"a canvas of {width}×{height} is out of range (1–65536)")
        fx, fy = ANCHORS[anchor]
        w, h = self.size
        shift = (round((width - w) * fx), round((height - h) * fy))
        if (width, height) != (w, h):
            self.execute(ResizeCanvas(self, (width, height), shift, False, "Canvas size"))

    def find_role(self, role: str) -> int:
        """The index of the top layer with this ``role`` ("sketch"), or -1."""
        for i in range(len(self._layers) - 1, -1, -1):
            if self._layers[i].role == role:
                return i
        return -1

    # -- files --------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        meta: dict[str, Any] = {
            "format": PROJECT_FORMAT,
            "size": list(self.size),
            "active": self._active,
            "layers": [
                {
                    "id": layer.id,
                    "name": layer.name,
                    "visible": layer.visible,
                    "opacity": layer.opacity,
                    "offset": list(layer.offset),
                    "file": f"layers/{i:03d}.png",
                    "provenance": layer.provenance,
                    "latents": {k: f"latents/{i:03d}_{k}.npy" for k in layer.latents},
                    # format 2: masks, blend modes and roles (omitted when unused)
                    **({"mask": f"masks/{i:03d}.png"} if layer.mask is not None else {}),
                    **({"blend": layer.blend} if layer.blend != "normal" else {}),
                    **({"role": layer.role} if layer.role else {}),
                    # format 3: a playable layer's frames (omitted for still layers)
                    **(
                        {
                            "frames": [
                                f"frames/{i:03d}_{k:03d}.png" for k in range(len(layer.frames))
                            ],
                            "fps": layer.fps,
                            "frame": layer.frame,
                        }
                        if layer.frames
                        else {}
                    ),
                }
                for i, layer in enumerate(self._layers)
            ],
        }
        # the oldest format that holds what is used, so older versions still open the file
        entries = meta["layers"]
        if any("frames" in entry for entry in entries):
            meta["format"] = PROJECT_FORMAT
        elif any(k in entry for entry in entries for k in ("mask", "blend", "role")):
            meta["format"] = 2
        else:
            meta["format"] = 1
        return meta

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the project atomically (a crash never leaves half a file)."""
        path = Path(path).expanduser()
        meta = self.to_json()
        with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("document.json", json.dumps(meta, indent=1, default=str))
            for layer, entry in zip(self._layers, meta["layers"], strict=True):
                buf = io.BytesIO()
                layer.image.save(buf, format="PNG")
                zf.writestr(entry["file"], buf.getvalue())
                if layer.mask is not None:
                    buf = io.BytesIO()
                    layer.mask.save(buf, format="PNG")
                    zf.writestr(entry["mask"], buf.getvalue())
                for frame, name in zip(layer.frames, entry.get("frames", []), strict=True):
                    buf = io.BytesIO()
                    frame.save(buf, format="PNG")
                    zf.writestr(name, buf.getvalue())
                for key, name in entry["latents"].items():
                    arr = io.BytesIO()
                    np.save(arr, np.asarray(layer.latents[key]), allow_pickle=False)
                    zf.writestr(name, arr.getvalue())
        return path

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Document:
        """Open a project; anything damaged or hostile is one :class:`ProjectError` line.

        ``document.json`` is checked against its schema and every layer's declared
        size against the limits before decoding (``core/project_schema.py``).
        """
        path = Path(path).expanduser()
        try:
            with zipfile.ZipFile(path) as zf:
                meta = read_document_json(zf, PROJECT_FORMAT)
                doc = cls(meta["size"])
                budget = [MAX_TOTAL_PIXELS]
                for entry in meta["layers"]:
                    image = read_layer_image(zf, entry["file"], budget)
                    latents = {k: read_latent(zf, n) for k, n in entry["latents"].items()}
                    doc._layers.append(
                        Layer(
                            image,
                            entry["name"],
                            entry["visible"],
                            entry["opacity"],
                            entry["offset"],
                            entry.get("provenance"),
                            latents,
                            entry.get("id") or uuid.uuid4().hex[:10],
                            **_mask_blend_role(zf, entry, budget),
                        )
                    )
        except FileNotFoundError:
            raise ProjectError(f"{path}: no such project") from None
        except NewerFormatError as exc:
            raise ProjectError(f"{path}: {exc}") from None
        except IsADirectoryError:
            raise ProjectError(f"could not open {path}: it is a folder") from None
        except MemoryError:
            raise ProjectError(f"could not open {path}: not enough memory") from None
        except (
            zipfile.BadZipFile,
            zipfile.LargeZipFile,
            KeyError,
            ValueError,
            TypeError,
            OSError,
            EOFError,
            RuntimeError,
            NotImplementedError,
        ) as exc:
            # RuntimeError: an encrypted member (and RecursionError); NotImplementedError:
            # an unknown compression; TypeError: a type the schema let through
            raise ProjectError(f"could not open {path}: {_reason(exc)}") from None
        doc._active = min(meta["active"], len(doc._layers) - 1)
        doc.path = path
        return doc


def _reason(exc: BaseException) -> str:
    if isinstance(exc, zipfile.BadZipFile):
        return f"not a readable GAN Studio project ({exc})"
    if isinstance(exc, ValueError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def _mask_blend_role(
    zf: zipfile.ZipFile, entry: dict[str, Any], budget: list[int]
) -> dict[str, Any]:
    """A layer's format-2 fields; a format-1 entry has none and gets the defaults."""
    out: dict[str, Any] = {}
    if entry.get("mask"):
        out["mask"] = read_layer_image(zf, entry["mask"], budget, mode="L")
    blend_mode = entry.get("blend", "normal")
    if blend_mode not in BLEND_MODES:
        raise ValueError(f"unknown blend mode {blend_mode!r}")
    out["blend"] = blend_mode
    out["role"] = str(entry.get("role") or "")
    if entry.get("frames"):  # format 3: a playable layer (sizes checked by Layer)
        out["frames"] = [read_layer_image(zf, name, budget) for name in entry["frames"]]
        out["fps"], out["frame"] = entry["fps"], entry["frame"]
    return out


# --------------------------------------------------------------------------- recovery


def recovery_path(data_dir: str | os.PathLike[str]) -> Path:
    """Where autosave writes; its presence at start-up means the app did not exit cleanly."""
    return Path(data_dir) / "recovery" / f"autosave{PROJECT_SUFFIX}"


def autosave(doc: Document, data_dir: str | os.PathLike[str]) -> Path:
    return doc.save(recovery_path(data_dir))


def find_recovery(data_dir: str | os.PathLike[str]) -> Path | None:
    path = recovery_path(data_dir)
    remove_stale_temps(path.parent)  # an autosave killed mid-write leaves its temporary
    return path if path.is_file() else None


def discard_recovery(data_dir: str | os.PathLike[str]) -> None:
    """Called on a clean exit, after a recovery was declined, and once the recovered
    document is saved (an autosave of it replaces the file by itself)."""
    recovery_path(data_dir).unlink(missing_ok=True)


def open_recovery(data_dir: str | os.PathLike[str]) -> Document:
    """The autosaved document, to be recovered; the autosave itself is kept.

    Keeping it until the recovered document is saved or autosaved again means a
    second crash right after recovering loses nothing.  A damaged autosave is set
    aside (``autosave.gsproj.damaged-…``) so it is not offered on every start,
    and the :class:`ProjectError` says so.
    """
    path = recovery_path(data_dir)
    try:
        doc = Document.load(path)
    except ProjectError as exc:
        aside = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
        try:
            os.replace(path, aside)
        except OSError:
            raise exc from None
        raise ProjectError(f"{exc} (set aside as {aside.name})") from None
    doc.path, doc.dirty = None, True
    return doc


# --------------------------------------------------------------------------- export


def export_provenance(doc: Document) -> dict[str, Any]:
    """What an exported composite records: one generated layer's own provenance, or
    "composite of N layers" with a summary of each visible layer's origin."""
    visible = [layer for layer in doc.layers if layer.visible]
    made = [layer for layer in visible if layer.provenance]
    if len(visible) == 1 and made:
        return {"app": "GAN Studio", **(made[0].provenance or {})}
    n = len(visible)
    layers = []
    for layer in visible:
        prov = layer.provenance or {}
        model = prov.get("model") or {}
        layers.append(
            {
                "name": layer.name,
                "action": prov.get("action"),
                "model": model.get("file") or model.get("path"),
                "params": prov.get("params") or {},
            }
        )
    return {
        "app": "GAN Studio",
        "action": f"composite of {n} layer{'s' if n != 1 else ''}",
        "layers": layers,
    }
