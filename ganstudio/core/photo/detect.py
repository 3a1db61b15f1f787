"""Find faces in a photo and their eyes and mouth, with detectors that ship in wheels.

OpenCV's Haar cascades (``opencv-python-headless`` 4.x carries them in
``cv2/data``; the 5.0 wheels do not) find the faces and, inside each, the
eyes; the mouth is estimated from the eye geometry (eye-to-mouth distance
about one eye distance, perpendicular to the eye line), which is what the
FFHQ alignment needs.  When no eye pair is found the landmarks come from the
face box; when OpenCV finds no face, scikit-image's LBP face cascade is tried.
Every result says which method produced it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from PIL import Image

from ganstudio.errors import UserError

_DETECT_SIDE = 800  # faces are looked for on a copy at most this large
_MIN_DETECT_SIDE = 240  # small photos (CelebA crops) are enlarged to this first
_EYE_FACE_SIDE = 240  # each face box is enlarged to about this before looking for eyes
#: landmarks relative to a frontal-face box (x, y as fractions of its width/height):
#: left eye, right eye, mouth centre — measured on Haar / LBP frontal-face boxes
_BOX_LANDMARKS = np.array([[0.31, 0.40], [0.69, 0.40], [0.50, 0.80]])
#: eye-to-mouth distance over eye distance on an average adult face
MOUTH_RATIO = 1.05


class FaceNotFoundError(UserError, ValueError):
    """The photo has no face the detectors can find, or ``face=N`` is not one of them."""


Box = tuple[int, int, int, int]  # x, y, w, h in photo pixels


@dataclass(frozen=True)
class Landmarks:
    """Eye centres and mouth centre of one face, in photo pixels (x, y; pixel centres
    at i + 0.5), the face box they belong to, and how they were found."""

    left_eye: tuple[float, float]  # the eye on the left of the image
    right_eye: tuple[float, float]
    mouth: tuple[float, float]
    box: Box
    method: str  # "opencv-eyes", "opencv-face-box", "skimage-face-box", "whole-photo"

    def points(self) -> np.ndarray:
        """(3, 2) left eye, right eye, mouth."""
        return np.array([self.left_eye, self.right_eye, self.mouth], dtype=np.float64)


def _gray(photo: Image.Image) -> np.ndarray:
    return np.asarray(photo.convert("L"), dtype=np.uint8)


@lru_cache(maxsize=4)
def _cascade(name: str) -> Any | None:
    """A bundled OpenCV cascade, or None when OpenCV (or its data) is missing."""
    try:
        import cv2
    except ImportError:
        return None
    path = f"{cv2.data.haarcascades}{name}"  # type: ignore[attr-defined]
    cascade = cv2.CascadeClassifier(path)
    return None if cascade.empty() else cascade


def _scaled(gray: np.ndarray, scale: float) -> np.ndarray:
    if scale == 1.0:
        return gray
    h, w = gray.shape
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    try:
        import cv2
    except ImportError:
        return np.asarray(Image.fromarray(gray).resize(size, Image.Resampling.BICUBIC))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    return cv2.resize(gray, size, interpolation=interp)


def _detect_scale(size: tuple[int, int]) -> float:
    side = max(size)
    if side > _DETECT_SIDE:
        return _DETECT_SIDE / side
    if min(size) < _MIN_DETECT_SIDE:
        return _MIN_DETECT_SIDE / min(size)
    return 1.0


def _opencv_faces(gray: np.ndarray) -> list[Box] | None:
    cascade = _cascade("haarcascade_frontalface_default.xml")
    if cascade is None:
        return None
    import cv2

    scale = _detect_scale(gray.shape[::-1])
    small = cv2.equalizeHist(_scaled(gray, scale))
    side = min(small.shape)
    found = cascade.detectMultiScale(
        small, scaleFactor=1.1, minNeighbors=5, minSize=(max(24, side // 12),) * 2
    )
    return [tuple(round(v / scale) for v in box) for box in found]  # type: ignore[misc]


def _skimage_faces(gray: np.ndarray) -> list[Box]:
    try:
        from skimage import data, feature
    except ImportError:
        return []
    scale = _detect_scale(gray.shape[::-1])
    img = _scaled(gray, scale).astype(np.float64) / 255.0
    side = min(img.shape)
    if side < 24:
        return []
    cascade = feature.Cascade(data.lbp_frontal_face_cascade_filename())
    found = cascade.detect_multi_scale(
        img=img, scale_factor=1.15, step_ratio=1, min_size=(24, 24), max_size=(side, side)
    )
    return [
        (
            round(d["c"] / scale),
            round(d["r"] / scale),
            round(d["width"] / scale),
            round(d["height"] / scale),
        )
        for d in found
    ]


def _dedupe(boxes: Sequence[Box]) -> list[Box]:
    """Largest first; a box mostly inside a larger one is the same face."""
    kept: list[Box] = []
    for b in sorted(boxes, key=lambda b: -b[2] * b[3]):
        x, y, w, h = b
        cx, cy = x + w / 2, y + h / 2
        if not any(k[0] <= cx <= k[0] + k[2] and k[1] <= cy <= k[1] + k[3] for k in kept):
            kept.append(b)
    return kept


def detect_faces(photo: Image.Image) -> tuple[list[Box], str]:
    """Frontal faces, largest first, and the detector that found them
    (``opencv`` or ``skimage``; ``none`` when neither found one)."""
    gray = _gray(photo)
    boxes = _opencv_faces(gray)
    if boxes:
        return _dedupe(boxes), "opencv"
    boxes = _skimage_faces(gray)
    if boxes:
        return _dedupe(boxes), "skimage"
    return [], "none"


def _eye_pair(gray: np.ndarray, box: Box) -> tuple[np.ndarray, np.ndarray] | None:
    """The two eye centres (photo pixels) inside a face box, or None."""
    import cv2

    x, y, w, h = box
    top = gray[max(0, y) : y + int(h * 0.62), max(0, x) : x + w]
    if top.size == 0:
        return None
    scale = _EYE_FACE_SIDE / w
    roi = cv2.equalizeHist(_scaled(top, scale))
    for name in ("haarcascade_eye.xml", "haarcascade_eye_tree_eyeglasses.xml"):
        cascade = _cascade(name)
        if cascade is None:
            return None
        side = roi.shape[1]
        found = cascade.detectMultiScale(
            roi,
            scaleFactor=1.05,
            minNeighbors=3,
            minSize=(side // 10,) * 2,
            maxSize=(side // 3,) * 2,
        )
        centres = [
            (ex + ew / 2, ey + eh / 2, ew)
            for ex, ey, ew, eh in found
            if ey + eh / 2 > 0.2 * roi.shape[0]
        ]  # not the eyebrows' band
        left = [c for c in centres if c[0] < 0.5 * side]
        right = [c for c in centres if c[0] >= 0.5 * side]
        best = None
        for lc in left:
            for rc in right:
                dx, dy = rc[0] - lc[0], rc[1] - lc[1]
                if not (0.25 * side < dx < 0.7 * side) or abs(dy) > 0.35 * dx:
                    continue
                sizes = max(lc[2], rc[2]) / min(lc[2], rc[2])
                # eyes sit near 0.4 of the face box height, symmetric about its centre
                cost = abs((lc[0] + rc[0]) / 2 - side / 2) / side + abs(dy) / dx + 0.5 * (sizes - 1)
                if best is None or cost < best[0]:
                    best = (cost, lc, rc)
        if best is not None:
            _, lc, rc = best
            to_photo = lambda c: np.array([x + c[0] / scale, y + c[1] / scale])  # noqa: E731
            return to_photo(lc), to_photo(rc)
    return None


def _from_box(box: Box) -> np.ndarray:
    x, y, w, h = box
    return np.array([x, y]) + _BOX_LANDMARKS * np.array([w, h])


def mouth_from_eyes(left: np.ndarray, right: np.ndarray, ratio: float = MOUTH_RATIO) -> np.ndarray:
    """The mouth centre one ``ratio`` eye distance below the eyes' midpoint, perpendicular
    to the eye line (image y grows downwards)."""
    e = right - left
    down = np.array([-e[1], e[0]])  # e rotated +90°: points down for a level face
    return (left + right) / 2 + ratio * down


def find_landmarks(
    photo: Image.Image, face: int | None = None, found: tuple[list[Box], str] | None = None
) -> Landmarks:
    """Eyes and mouth of face ``face`` (0 = the largest; None: the largest, and the whole
    photo when no face is found — e.g. an already cropped face).

    Raises :class:`FaceNotFoundError` naming the boxes when ``face`` is out of range.
    ``found``: what :func:`detect_faces` returned, when the caller has it already.
    """
    boxes, detector = found if found is not None else detect_faces(photo)
    if face is not None and not 0 <= face < len(boxes):
        listed = "; ".join(f"{i}: x={b[0]} y={b[1]} {b[2]}×{b[3]}" for i, b in enumerate(boxes))
        raise FaceNotFoundError(
            f"face={face}: the photo has {len(boxes)} face(s)"
            + (f" — {listed}" if boxes else " the detectors can find")
        )
    if not boxes:
        w, h = photo.size
        side = min(w, h)
        box = ((w - side) // 2, (h - side) // 2, side, side)
        pts = _from_box(box)
        return _landmarks(pts, box, "whole-photo")
    box = boxes[face or 0]
    pair = _eye_pair(_gray(photo), box) if detector == "opencv" else None
    if pair is not None:
        left, right = pair
        mouth = mouth_from_eyes(left, right)
        return _landmarks(np.stack([left, right, mouth]), box, "opencv-eyes")
    return _landmarks(_from_box(box), box, f"{detector}-face-box")


def _landmarks(pts: np.ndarray, box: Box, method: str) -> Landmarks:
    p = [(float(x), float(y)) for x, y in pts]
    return Landmarks(p[0], p[1], p[2], tuple(int(v) for v in box), method)  # type: ignore[arg-type]
