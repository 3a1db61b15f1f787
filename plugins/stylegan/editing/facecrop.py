"""Find the face in a photo larger than the model, crop it, and paste the edit back.

Detection uses the LBP frontal-face cascade that scikit-image ships (no
download); when it finds nothing (or scikit-image is missing) the centre
square is used, and the result says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

_DETECT_SIDE = 512  # detect on a copy at most this large: fast on big photos


@dataclass(frozen=True)
class CropBox:
    """A square region of the photo: left, top, side (photo pixels)."""

    left: int
    top: int
    side: int
    face_found: bool

    @property
    def box(self) -> tuple[int, int, int, int]:
        return (self.left, self.top, self.left + self.side, self.top + self.side)


def detect_face(photo: Image.Image) -> tuple[int, int, int, int] | None:
    """The largest frontal face as (x, y, w, h) in photo pixels, or None."""
    try:
        from skimage import data, feature
    except ImportError:
        return None
    scale = min(1.0, _DETECT_SIDE / max(photo.size))
    small = photo.convert("L")
    if scale < 1.0:
        small = small.resize((max(1, round(photo.width * scale)),
                              max(1, round(photo.height * scale))), Image.Resampling.BILINEAR)
    gray = np.asarray(small, dtype=np.float64) / 255.0  # (H, W)
    side = min(gray.shape)
    if side < 24:
        return None
    cascade = feature.Cascade(data.lbp_frontal_face_cascade_filename())
    found = cascade.detect_multi_scale(img=gray, scale_factor=1.15, step_ratio=1,
                                       min_size=(24, 24), max_size=(side, side))
    if not found:
        return None
    best = max(found, key=lambda d: d["width"] * d["height"])
    return (round(best["c"] / scale), round(best["r"] / scale),
            round(best["width"] / scale), round(best["height"] / scale))


def square_around(photo_size: tuple[int, int], face: tuple[int, int, int, int] | None,
                  margin: float = 2.0) -> CropBox:
    """A square ``margin`` times the face box (hair and chin included), kept inside the
    photo; the centre square when there is no face."""
    width, height = photo_size
    if face is None:
        side = min(width, height)
        return CropBox((width - side) // 2, (height - side) // 2, side, False)
    x, y, w, h = face
    side = min(round(max(w, h) * margin), width, height)
    cx, cy = x + w / 2, y + h / 2
    left = int(np.clip(round(cx - side / 2), 0, width - side))
    top = int(np.clip(round(cy - side / 2), 0, height - side))
    return CropBox(left, top, side, True)


def paste_back(photo: Image.Image, edited: Image.Image, crop: CropBox,
               feather: float = 0.08) -> Image.Image:
    """The photo with ``edited`` (the model-sized crop) blended over ``crop`` by a
    feathered mask, so no seam shows at the crop's border."""
    out = photo.convert("RGB").copy()
    patch = edited.convert("RGB").resize((crop.side, crop.side), Image.Resampling.LANCZOS)
    pad = max(1, round(crop.side * feather))
    mask = Image.new("L", (crop.side, crop.side), 0)
    ImageDraw.Draw(mask).rectangle((pad, pad, crop.side - 1 - pad, crop.side - 1 - pad), 255)
    mask = mask.filter(ImageFilter.GaussianBlur(pad / 2))
    out.paste(patch, (crop.left, crop.top), mask)
    return out
