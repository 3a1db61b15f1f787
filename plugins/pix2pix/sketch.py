"""photo → sketch: thin dark strokes on white, deterministic, no model.

Canny's recipe (Gaussian gradients, non-maximum suppression, hysteresis)
gives one-pixel centre lines; short fragments are dropped and the lines are
drawn with a soft edge so they look drawn rather than traced.  Thresholds are
absolute (on the gradient of the [0, 1] grey image), so an empty or flat
image gives an empty sketch instead of amplified noise.  NumPy and
scikit-image only: no torch, safe in batch and data loaders.
"""

from __future__ import annotations

import numpy as np
from PIL import Image
from scipy import ndimage
from skimage import feature, morphology

#: the work is done on images no larger than this (a sketch needs no more)
MAX_SIDE = 1024


def grey(image: Image.Image) -> np.ndarray:
    """Any PIL image as float grey in [0, 1]; transparency is composited on white."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba)
    return np.asarray(image.convert("L"), dtype=np.float32) / 255.0


def edge_lines(
    image: Image.Image,
    detail: float = 1.5,
    low: float = 0.05,
    high: float = 0.12,
    min_length: int = 8,
) -> np.ndarray:
    """Boolean (H, W) one-pixel lines: Canny at scale ``detail`` with hysteresis
    between ``low`` and ``high``, fragments under ``min_length`` pixels removed."""
    g = grey(image)
    edges = feature.canny(g, sigma=detail, low_threshold=low, high_threshold=high)
    if min_length > 1 and edges.any():
        edges = _drop_small(edges, min_length)
    return edges


def _drop_small(mask: np.ndarray, min_length: int) -> np.ndarray:
    """``mask`` without 8-connected pieces of fewer than ``min_length`` pixels."""
    labels, count = ndimage.label(mask, structure=np.ones((3, 3), bool))
    sizes = np.bincount(labels.ravel(), minlength=count + 1)
    keep = sizes >= min_length
    keep[0] = False
    return keep[labels]


def photo_to_sketch(
    image: Image.Image,
    detail: float = 1.5,
    thickness: int = 1,
    low: float = 0.05,
    high: float = 0.12,
    min_length: int = 8,
) -> Image.Image:
    """An L image the size of ``image``: dark lines (0) on white (255).

    ``thickness`` (1–5 px) widens the lines; their edges are softened by a
    half-pixel blur.  Large images are traced at ≤ :data:`MAX_SIDE` and scaled back.
    """
    size = image.size
    work = image
    if max(size) > MAX_SIDE:
        scale = MAX_SIDE / max(size)
        work = image.resize(
            (max(1, round(size[0] * scale)), max(1, round(size[1] * scale))),
            Image.Resampling.LANCZOS,
        )
    lines = edge_lines(work, detail, low, high, min_length)
    if thickness > 1:
        lines = ndimage.binary_dilation(lines, morphology.disk((thickness - 1) / 2))
    ink = ndimage.gaussian_filter(lines.astype(np.float32), 0.5) * 1.6 if lines.any() else lines
    pixels = (255.0 * (1.0 - np.clip(ink, 0.0, 1.0))).round().astype(np.uint8)
    out = Image.fromarray(pixels, "L")
    return out.resize(size, Image.Resampling.LANCZOS) if out.size != size else out
