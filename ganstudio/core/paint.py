"""Brush strokes and layer blending on NumPy arrays: the maths behind the painting tools.

Qt-free, so the GUI, a plugin's live sketch and the tests share one
implementation.  A :class:`Stroke` stamps soft round dabs along the pointer's
path (spaced by a fraction of the diameter, as Krita and GIMP do) into a
*coverage* buffer, and renders the layer as "original + colour at
coverage × opacity".  Taking the maximum coverage of overlapping dabs keeps
one stroke from building up past its opacity, which is what artists expect
from a brush's opacity setting.  The stroke works on its own copy of the
pixels; :meth:`Stroke.finish` gives the touched box, and the document stores
only that box for undo.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

#: (x0, y0, x1, y1), half-open, in the array's pixel coordinates
Box = tuple[int, int, int, int]
StrokeMode = Literal["paint", "erase", "value"]
BLEND_MODES = ("normal", "multiply", "screen", "overlay")


@dataclass(frozen=True)
class Brush:
    """What the options bar sets: diameter in pixels, hardness, opacity and colour.

    ``hardness`` 1 is a crisp disc (one pixel of antialiasing), 0 fades from
    the centre; ``spacing`` is the distance between dabs as a fraction of the
    diameter.  Pen pressure scales the diameter and the opacity of each dab
    when the ``pressure_*`` switches are on (a mouse always gives 1.0).
    """

    size: float = 24.0
    hardness: float = 0.8
    opacity: float = 1.0
    color: tuple[int, int, int] = (0, 0, 0)
    spacing: float = 0.12
    pressure_size: bool = True
    pressure_opacity: bool = True

    def clamped(self) -> Brush:
        return replace(
            self,
            size=float(min(max(self.size, 1.0), 2000.0)),
            hardness=float(min(max(self.hardness, 0.0), 1.0)),
            opacity=float(min(max(self.opacity, 0.0), 1.0)),
            spacing=float(min(max(self.spacing, 0.02), 2.0)),
        )


def dab(diameter: float, hardness: float, fx: float = 0.0, fy: float = 0.0) -> np.ndarray:
    """One round dab's alpha (float32 in [0, 1]) in a box ``ceil(diameter) + 2`` square.

    Its centre is at ``n // 2 + (fx, fy)`` in box coordinates (pixel edges):
    the fractional part of the pointer position, so thin strokes stay smooth
    instead of snapping to whole pixels.
    """
    radius = max(diameter, 1.0) / 2.0
    n = math.ceil(radius * 2) + 2
    c = n // 2
    ys, xs = np.mgrid[0:n, 0:n].astype(np.float32)
    dist = np.hypot(xs + 0.5 - c - fx, ys + 0.5 - c - fy)  # from each pixel's centre
    ramp = max(radius * (1.0 - hardness), 1.0)  # at least one pixel of antialiasing
    t = np.clip((radius - dist) / ramp, 0.0, 1.0)
    return (t * t * (3.0 - 2.0 * t)).astype(np.float32)  # smoothstep: no visible ring


class Stroke:
    """One stroke of a brush, eraser or mask brush on a copy of ``pixels``.

    ``pixels`` is ``(H, W, 4)`` uint8 RGBA for ``paint``/``erase``, or
    ``(H, W)`` uint8 for ``value`` (a mask: the stroke moves values towards
    ``value``, 0 hides and 255 reveals).  Call :meth:`add_point` with layer
    coordinates as the pointer moves; each call returns the box it changed
    (for the screen), :attr:`pixels` is the current result.
    """

    #: originals are saved in tiles of this side as the stroke first reaches them
    TILE = 64

    def __init__(
        self,
        pixels: np.ndarray,
        brush: Brush,
        mode: StrokeMode = "paint",
        value: int = 255,
        copy: bool = True,
    ) -> None:
        if mode == "value" and pixels.ndim != 2:
            raise ValueError("a value (mask) stroke paints a 2-D array")
        if mode != "value" and (pixels.ndim != 3 or pixels.shape[2] != 4):
            raise ValueError("paint and erase strokes work on (H, W, 4) RGBA arrays")
        self.brush = brush.clamped()
        self.mode: StrokeMode = mode
        self.value = int(value)
        # ``pixels`` is changed in place (a copy unless the caller hands over its own);
        # the original of each tile is saved when the stroke first reaches it, so a pen
        # going down on a 4096² layer copies nothing yet (np.empty/zeros are lazy pages)
        if copy or pixels.dtype != np.uint8 or not pixels.flags.c_contiguous:
            pixels = np.array(pixels, dtype=np.uint8, order="C")
        self.pixels = pixels
        self._orig = np.empty_like(self.pixels)
        t = self.TILE
        self._saved = np.zeros((-(-self.height // t), -(-self.width // t)), bool)
        self.coverage = np.zeros(self.pixels.shape[:2], np.float32)
        self.box: Box | None = None
        self._last: tuple[float, float, float] | None = None
        self._carry = 0.0  # distance already walked since the last dab

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    def original(self, box: Box) -> np.ndarray:
        """The pixels of ``box`` as they were before the stroke."""
        x0, y0, x1, y1 = box
        self._save(box)
        return self._orig[y0:y1, x0:x1]

    def _save(self, box: Box) -> None:
        x0, y0, x1, y1 = box
        t = self.TILE
        for ty in range(y0 // t, (y1 - 1) // t + 1):
            for tx in range(x0 // t, (x1 - 1) // t + 1):
                if not self._saved[ty, tx]:
                    region = (slice(ty * t, (ty + 1) * t), slice(tx * t, (tx + 1) * t))
                    self._orig[region] = self.pixels[region]
                    self._saved[ty, tx] = True

    def add_point(self, x: float, y: float, pressure: float = 1.0) -> Box | None:
        """Extend the stroke to (x, y); returns the changed box, None if nothing changed."""
        pressure = float(min(max(pressure, 0.0), 1.0))
        changed: Box | None = None
        if self._last is None:
            changed = self._stamp(x, y, pressure)
        else:
            x0, y0, p0 = self._last
            length = math.hypot(x - x0, y - y0)
            step = max(1.0, self.brush.spacing * self.brush.size * max(min(p0, pressure), 0.2))
            d = step - self._carry
            while d <= length:
                t = d / length
                box = self._stamp(x0 + (x - x0) * t, y0 + (y - y0) * t, p0 + (pressure - p0) * t)
                changed = _union(changed, box)
                d += step
            self._carry = length - (d - step)
        self._last = (x, y, pressure)
        if changed is not None:
            self._render(changed)
            self.box = _union(self.box, changed)
        return changed

    def finish(self) -> Box | None:
        """The box the whole stroke changed (None when it never touched the array)."""
        return self.box

    # -- internals ----------------------------------------------------------------
    def _stamp(self, x: float, y: float, pressure: float) -> Box | None:
        b = self.brush
        size = b.size * (max(pressure, 0.05) if b.pressure_size else 1.0)
        alpha = pressure if b.pressure_opacity else 1.0
        if alpha <= 0:
            return None
        fx, fy = x - math.floor(x), y - math.floor(y)
        d = dab(size, b.hardness, fx, fy) * alpha
        n = d.shape[0]
        left, top = math.floor(x) - n // 2, math.floor(y) - n // 2
        x0, y0 = max(left, 0), max(top, 0)
        x1, y1 = min(left + n, self.width), min(top + n, self.height)
        if x0 >= x1 or y0 >= y1:
            return None
        region = self.coverage[y0:y1, x0:x1]
        np.maximum(region, d[y0 - top : y1 - top, x0 - left : x1 - left], out=region)
        return x0, y0, x1, y1

    def _render(self, box: Box) -> None:
        x0, y0, x1, y1 = box
        a = self.coverage[y0:y1, x0:x1] * self.brush.opacity  # (h, w)
        base = self.original(box).astype(np.float32)
        if self.mode == "value":
            out = base + (self.value - base) * a
        elif self.mode == "erase":
            out = base.copy()
            out[..., 3] = base[..., 3] * (1.0 - a)
        else:
            da = base[..., 3] / 255.0
            oa = a + da * (1.0 - a)
            color = np.asarray(self.brush.color, np.float32)
            rgb = color * a[..., None] + base[..., :3] * (da * (1.0 - a))[..., None]
            safe = np.where(oa > 0, oa, 1.0)[..., None]
            out = np.concatenate([rgb / safe, (oa * 255.0)[..., None]], axis=-1)
        self.pixels[y0:y1, x0:x1] = np.clip(np.rint(out), 0, 255).astype(np.uint8)


def _union(a: Box | None, b: Box | None) -> Box | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])


# --------------------------------------------------------------------------- blending


def apply_mask(rgba: np.ndarray, mask: np.ndarray | None, opacity: float = 1.0) -> np.ndarray:
    """``rgba`` (H, W, 4 uint8) with its alpha scaled by ``mask`` (H, W uint8) and opacity."""
    if mask is None and opacity >= 1.0:
        return rgba
    out = rgba.copy()
    alpha = out[..., 3].astype(np.float32) * float(opacity)
    if mask is not None:
        alpha *= mask.astype(np.float32) / 255.0
    out[..., 3] = np.clip(np.rint(alpha), 0, 255).astype(np.uint8)
    return out


def _blend_fn(mode: str, cb: np.ndarray, cs: np.ndarray) -> np.ndarray:
    """The W3C separable blend functions on straight colours in [0, 1]."""
    if mode == "multiply":
        return cb * cs
    if mode == "screen":
        return cb + cs - cb * cs
    if mode == "overlay":  # hard light with the layers swapped
        return np.where(cb <= 0.5, 2.0 * cb * cs, 1.0 - 2.0 * (1.0 - cb) * (1.0 - cs))
    return cs


def blend(backdrop: np.ndarray, source: np.ndarray, mode: str = "normal") -> np.ndarray:
    """``source`` composited over ``backdrop`` (both H, W, 4 uint8, straight alpha).

    W3C Compositing Level 1, source-over with a separable blend mode: where the
    backdrop is transparent the source shows as it is, so a multiply layer over
    nothing looks like a normal one (as in Photoshop, Krita and Qt's painter).
    """
    if mode not in BLEND_MODES:
        raise ValueError(f"unknown blend mode {mode!r}; choose from {', '.join(BLEND_MODES)}")
    b = backdrop.astype(np.float32) / 255.0
    s = source.astype(np.float32) / 255.0
    ab, as_ = b[..., 3:4], s[..., 3:4]
    cb, cs = b[..., :3], s[..., :3]
    mixed = (1.0 - ab) * cs + ab * _blend_fn(mode, cb, cs)
    ao = as_ + ab * (1.0 - as_)
    co = as_ * mixed + ab * (1.0 - as_) * cb  # premultiplied
    rgb = co / np.where(ao > 0, ao, 1.0)
    out = np.concatenate([rgb, ao], axis=-1)
    return np.clip(np.rint(out * 255.0), 0, 255).astype(np.uint8)
