"""Put an edited face back into the photo: feathered mask, colour matching, blend.

The mask is an ellipse over the face (forehead to chin, cheek to cheek), set
from the eye and mouth positions in the aligned frame and evaluated at every
photo pixel through the alignment, so its edge is smooth at any resolution.
Outside it the weight is exactly 0 and the photo's pixels are copied, not
recomputed: an edit never changes a pixel outside the face.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from .align import Alignment, warp_to_photo

#: the face ellipse in the aligned frame, in units of the frame's side, for both the
#: FFHQ recipe and the templates (they put the eyes within a few % of each other)
_CENTRE_BELOW_EYES = 0.45  # × eye-to-mouth distance
_AXES = (1.0, 1.45)  # × eye distance: half-width, half-height
_FEATHER = 0.35  # × eye distance: the width of the soft edge


@dataclass(frozen=True)
class FaceRegion:
    """The photo pixels an edit may touch: ``box`` (x0, y0, x1, y1) and the float32 weight
    ``alpha`` (h, w) in [0, 1] over it; 0 outside the box."""

    box: tuple[int, int, int, int]
    alpha: np.ndarray


def face_region(alignment: Alignment) -> FaceRegion:
    """The feathered face ellipse in photo pixels, from the landmarks the alignment
    carries (taken into the aligned frame, where the face is upright)."""
    le, re, mo = alignment.to_aligned(alignment.landmarks)
    eyes = (le + re) / 2
    e = float(np.hypot(*(re - le)))
    centre = eyes + _CENTRE_BELOW_EYES * (mo - eyes)
    angle = np.arctan2(re[1] - le[1], re[0] - le[0])
    ax, ay = _AXES[0] * e, _AXES[1] * e
    feather = _FEATHER * e
    # the ellipse (with its soft edge) must stay inside the aligned frame
    size = float(alignment.size)
    # photo bounding box of the outer ellipse
    outer = np.array(
        [
            [centre[0] + sx * (ax + feather), centre[1] + sy * (ay + feather)]
            for sx in (-1, 1)
            for sy in (-1, 1)
        ]
    )
    corners = alignment.to_photo(outer)
    w, h = alignment.photo_size
    x0, y0 = np.floor(corners.min(0)).astype(int)
    x1, y1 = np.ceil(corners.max(0)).astype(int)
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
    if x1 <= x0 or y1 <= y0:
        return FaceRegion((0, 0, 0, 0), np.zeros((0, 0), np.float32))
    ys, xs = np.mgrid[y0:y1, x0:x1]
    pts = np.stack([xs.ravel() + 0.5, ys.ravel() + 0.5], 1)
    a = alignment.to_aligned(pts) - centre  # (N, 2) aligned offsets from the centre
    c, s = np.cos(angle), np.sin(angle)
    u, v = a[:, 0] * c + a[:, 1] * s, -a[:, 0] * s + a[:, 1] * c
    # distance outside the ellipse, approximately in aligned pixels
    r = np.sqrt((u / ax) ** 2 + (v / ay) ** 2)
    outside = (r - 1.0) * min(ax, ay)
    t = np.clip(0.5 - outside / feather, 0.0, 1.0)  # 1 inside, 0 past the soft edge
    alpha = t * t * (3 - 2 * t)  # smoothstep
    inside_frame = (
        (a[:, 0] + centre[0] >= 0)
        & (a[:, 0] + centre[0] <= size)
        & (a[:, 1] + centre[1] >= 0)
        & (a[:, 1] + centre[1] <= size)
    )
    alpha = np.where(inside_frame, alpha, 0.0)
    return FaceRegion(
        (int(x0), int(y0), int(x1), int(y1)), alpha.reshape(y1 - y0, x1 - x0).astype(np.float32)
    )


def match_colour(edited: np.ndarray, original: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """``edited`` with each channel's mean and contrast matched to ``original`` on the seam
    band (where the mask fades), so the face keeps the photo's light and colour cast."""
    band = (alpha > 0.05) & (alpha < 0.95)
    if band.sum() < 16:
        band = alpha > 0.05
    if band.sum() < 16:
        return edited
    out = edited.astype(np.float32).copy()
    for ch in range(out.shape[2]):
        e, o = edited[..., ch][band], original[..., ch][band]
        gain = float(np.clip(o.std() / max(e.std(), 1e-3), 0.5, 2.0))
        out[..., ch] = (out[..., ch] - e.mean()) * gain + o.mean()
    return np.clip(out, 0, 255)


def blend_face(
    photo: Image.Image,
    face: Image.Image,
    alignment: Alignment,
    region: FaceRegion,
    colour_match: bool = True,
) -> Image.Image:
    """``photo`` with ``face`` (the aligned edit, any size) blended into ``region``.

    Works on RGB; an L / LA / RGBA photo keeps its mode (alpha untouched), so every pixel
    outside the region is bit-identical to the input.
    """
    mode = photo.mode if photo.mode in ("RGB", "RGBA", "L", "LA") else "RGB"
    base = photo if photo.mode == mode else photo.convert(mode)
    if region.alpha.size == 0 or not region.alpha.any():
        return base.copy()
    x0, y0, x1, y1 = region.box
    arr = np.asarray(base).copy()
    patch = arr[y0:y1, x0:x1]
    rgb = (
        patch[..., :3]
        if patch.ndim == 3 and mode != "LA"
        else (np.repeat(patch[..., :1] if patch.ndim == 3 else patch[..., None], 3, axis=2))
    )
    rgb = rgb.astype(np.float32)
    edited = warp_to_photo(face, alignment, region.box)  # (h, w, 3)
    if colour_match:
        edited = match_colour(edited, rgb, region.alpha)
    a = region.alpha[..., None]
    mixed = rgb * (1 - a) + edited * a
    touched = region.alpha > 0
    if mode in ("RGB", "RGBA"):
        new = np.clip(mixed + 0.5, 0, 255).astype(np.uint8)
        patch[..., :3][touched] = new[touched]
    else:  # greyscale photo: the edit's luminance (ITU-R 601, as PIL converts)
        lum = mixed @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
        new = np.clip(lum + 0.5, 0, 255).astype(np.uint8)
        if patch.ndim == 3:
            patch[..., 0][touched] = new[touched]
        else:
            patch[touched] = new[touched]
    arr[y0:y1, x0:x1] = patch
    return Image.fromarray(arr, mode)
