"""The similarity transform between a photo and a model's aligned face square.

FFHQ's recipe (Karras et al., ``ffhq-dataset``): from the eye-to-eye and
eye-to-mouth vectors build an oriented square around the face and map it onto
the model's ``size``×``size`` frame.  A model trained on faces framed some
other way (our procedural demo faces) gives a *template* — where its eyes and
mouth sit — and the photo's landmarks are fitted onto it by least squares.
Either way the result is one 3×3 matrix, so the inverse is exact.

Coordinates are continuous: pixel ``i`` covers ``[i, i + 1)``, its centre is
``i + 0.5`` (PIL's convention), in the photo and in the aligned frame.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

from .detect import Landmarks

#: where the procedural demo faces put left eye, right eye and mouth (fractions of the
#: side), from ``ganstudio.core.data.procedural``'s layout at its average style and age
PROCEDURAL_TEMPLATE = np.array([[0.416, 0.434], [0.584, 0.434], [0.5, 0.607]])


@dataclass(frozen=True)
class Alignment:
    """photo → aligned frame: ``matrix`` (3×3, similarity), the frame's ``size`` and the
    ``photo_size`` (w, h) it was measured on; ``recipe`` says how it was made."""

    matrix: np.ndarray
    size: int
    photo_size: tuple[int, int]
    #: (3, 2) left eye, right eye, mouth in photo coordinates (what the mask is built on)
    landmarks: np.ndarray
    recipe: str = "ffhq"

    @property
    def inverse(self) -> np.ndarray:
        return np.linalg.inv(self.matrix)

    @property
    def scale(self) -> float:
        """Aligned pixels per photo pixel (< 1: the face is larger in the photo)."""
        return float(np.sqrt(abs(np.linalg.det(self.matrix[:2, :2]))))

    def to_aligned(self, points: np.ndarray) -> np.ndarray:
        """(N, 2) photo points → aligned frame."""
        return _apply(self.matrix, points)

    def to_photo(self, points: np.ndarray) -> np.ndarray:
        """(N, 2) aligned-frame points → photo."""
        return _apply(self.inverse, points)

    def quad(self) -> np.ndarray:
        """(4, 2) the aligned frame's corners in the photo: TL, BL, BR, TR (FFHQ's order)."""
        s = float(self.size)
        return self.to_photo(np.array([[0, 0], [0, s], [s, s], [s, 0]], dtype=np.float64))

    def to_arrays(self) -> dict[str, np.ndarray]:
        """What a layer's latents carry so a later edit goes back to the same place."""
        return {
            "photo_align": self.matrix.astype(np.float64),
            "photo_size": np.array(self.photo_size, dtype=np.int64),
            "photo_align_size": np.array(self.size, dtype=np.int64),
            "photo_landmarks": self.landmarks.astype(np.float64),
        }

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, Any]) -> Alignment | None:
        """The alignment a layer's latents carry, or None for a generated layer."""
        if "photo_align" not in arrays:
            return None
        m = np.asarray(arrays["photo_align"], dtype=np.float64)
        size = np.asarray(arrays.get("photo_size", (0, 0))).astype(int).ravel()
        res = np.asarray(arrays.get("photo_align_size", 0)).astype(int).ravel()
        marks = np.asarray(arrays.get("photo_landmarks", ()), dtype=np.float64)
        if (
            m.shape != (3, 3)
            or size.shape != (2,)
            or res.shape != (1,)
            or res[0] < 1
            or marks.shape != (3, 2)
            or not np.isfinite(m).all()
            or abs(np.linalg.det(m[:2, :2])) < 1e-12
        ):
            raise ValueError("the layer's photo alignment is damaged")
        return cls(m, int(res[0]), (int(size[0]), int(size[1])), marks)


def _apply(m: np.ndarray, points: np.ndarray) -> np.ndarray:
    p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    return p @ m[:2, :2].T + m[:2, 2]


def _similarity(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Least-squares similarity (rotation, uniform scale, shift) mapping src onto dst
    (Umeyama 1991), as a 3×3 matrix."""
    mu_s, mu_d = src.mean(0), dst.mean(0)
    a, b = src - mu_s, dst - mu_d
    cov = b.T @ a / len(src)
    u, sig, vt = np.linalg.svd(cov)
    d = np.eye(2)
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        d[1, 1] = -1
    rot = u @ d @ vt
    scale = np.trace(np.diag(sig) @ d) / a.var(0).sum()
    m = np.eye(3)
    m[:2, :2] = scale * rot
    m[:2, 2] = mu_d - scale * rot @ mu_s
    return m


def ffhq_quad(landmarks: Landmarks) -> np.ndarray:
    """FFHQ's oriented square (TL, BL, BR, TR) around the face, in photo coordinates."""
    eye_left, eye_right, mouth = landmarks.points()
    eye_avg = (eye_left + eye_right) * 0.5
    eye_to_eye = eye_right - eye_left
    eye_to_mouth = mouth - eye_avg
    x = eye_to_eye - np.flipud(eye_to_mouth) * [-1, 1]
    x /= np.hypot(*x)
    x *= max(np.hypot(*eye_to_eye) * 2.0, np.hypot(*eye_to_mouth) * 1.8)
    y = np.flipud(x) * [-1, 1]
    c = eye_avg + eye_to_mouth * 0.1
    return np.stack([c - x - y, c - x + y, c + x + y, c + x - y])


def align(
    landmarks: Landmarks, size: int, photo_size: tuple[int, int], template: np.ndarray | None = None
) -> Alignment:
    """The alignment of a face onto a ``size`` px frame: FFHQ's recipe, or the least-squares
    fit of the landmarks onto ``template`` ((3, 2) fractions of the side) when given."""
    if template is not None:
        m = _similarity(landmarks.points(), np.asarray(template, dtype=np.float64) * size)
        return Alignment(m, int(size), photo_size, landmarks.points(), "template")
    quad = ffhq_quad(landmarks)
    s = float(size)
    corners = np.array([[0, 0], [0, s], [s, s], [s, 0]], dtype=np.float64)
    return Alignment(_similarity(quad, corners), int(size), photo_size, landmarks.points(), "ffhq")


def _cv_matrix(m: np.ndarray) -> np.ndarray:
    """A continuous-coordinate matrix for OpenCV's integer pixel centres (2×3)."""
    shift, back = np.eye(3), np.eye(3)
    shift[:2, 2], back[:2, 2] = 0.5, -0.5
    return (back @ m @ shift)[:2]


def _rgb_float(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB"), dtype=np.float32)


def warp_to_aligned(photo: Image.Image, alignment: Alignment) -> Image.Image:
    """The aligned ``size``×``size`` face (RGB).  A face larger than the frame is first
    shrunk with area averaging (no aliasing); outside the photo is mirrored, as FFHQ pads."""
    import cv2

    m = alignment.matrix
    src = _rgb_float(photo)
    s = alignment.scale
    if s < 0.5:  # shrink the face's region with INTER_AREA, then warp at about 1:1
        box = alignment.quad()
        x0, y0 = np.floor(box.min(0)).astype(int) - 2
        x1, y1 = np.ceil(box.max(0)).astype(int) + 2
        h, w = src.shape[:2]
        x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
        if x1 - x0 >= 2 and y1 - y0 >= 2:
            crop = src[y0:y1, x0:x1]
            nw, nh = max(1, round((x1 - x0) * s * 2)), max(1, round((y1 - y0) * s * 2))
            src = cv2.resize(crop, (nw, nh), interpolation=cv2.INTER_AREA)
            pre = np.diag([nw / (x1 - x0), nh / (y1 - y0), 1.0])
            pre[:2, 2] = -np.array([x0 * pre[0, 0], y0 * pre[1, 1]])
            m = m @ np.linalg.inv(pre)
    out = cv2.warpAffine(
        src,
        _cv_matrix(m),
        (alignment.size, alignment.size),
        flags=cv2.INTER_CUBIC,
        borderMode=cv2.BORDER_REFLECT_101,
    )
    return Image.fromarray(np.clip(out + 0.5, 0, 255).astype(np.uint8), "RGB")


def warp_to_photo(
    face: Image.Image, alignment: Alignment, box: tuple[int, int, int, int]
) -> np.ndarray:
    """The aligned ``face`` (any size: a super-resolved face is larger) put back into the
    photo's region ``box`` (x0, y0, x1, y1): a float32 (h, w, 3) array."""
    import cv2

    x0, y0, x1, y1 = box
    k = face.width / alignment.size  # the face may be upscaled
    to_face = np.diag([k, k, 1.0]) @ alignment.matrix
    offset = np.eye(3)
    offset[:2, 2] = (x0, y0)
    m = to_face @ offset  # region pixel → face pixel
    out = cv2.warpAffine(
        _rgb_float(face),
        _cv_matrix(m),
        (x1 - x0, y1 - y0),
        flags=cv2.INTER_CUBIC | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_REPLICATE,
    )
    return np.clip(out, 0, 255)
