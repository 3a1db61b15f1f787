"""One photo pipeline for every latent action: locate, align, and blend an edit back.

``locate_face`` + ``aligned_face`` prepare a photo for projection; the
projection's latents carry :func:`photo_arrays` (the alignment, the landmarks
and the photo's original pixels under the face), so any later edit made from
them — by any plugin's latent action — is blended back by
:func:`blend_into_photo`, which ``ganstudio.core.actions.iterate_action``
calls for the GUI, the CLI and batch alike.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image

from ganstudio.core.specs import ParamError
from ganstudio.errors import UserError

from .align import PROCEDURAL_TEMPLATE, Alignment, align, warp_to_aligned
from .blend import blend_face, face_region
from .detect import Box, detect_faces, find_landmarks

#: latent keys of a photo projection (arrays, so .npz and .gsproj keep them)
PHOTO_KEYS = (
    "photo_align",
    "photo_size",
    "photo_align_size",
    "photo_landmarks",
    "photo_patch",
    "photo_patch_box",
    "photo_projection",
)

#: face, side it should reach in pixels → (enlarged face, what was done)
Upscaler = Callable[[Image.Image, float], tuple[Image.Image, dict[str, Any]]]


@dataclass(frozen=True)
class PhotoFace:
    """A face found in a photo and its alignment onto a model's frame."""

    alignment: Alignment
    method: str  # how the landmarks were found (opencv-eyes, opencv-face-box, …)
    boxes: list[Box] = field(default_factory=list)  # every face found, largest first
    face: int = 0

    def info(self) -> dict[str, Any]:
        return {
            "detector": self.method,
            "alignment": self.alignment.recipe,
            "face": self.face,
            "faces": [list(map(int, b)) for b in self.boxes],
        }


def face_template(model_meta: Mapping[str, Any] | None) -> np.ndarray | None:
    """Where the model's faces keep their eyes and mouth: the procedural demo faces'
    layout for a model trained on them, None (FFHQ's recipe) for any other."""
    trained_on = str((model_meta or {}).get("trained_on", ""))
    return PROCEDURAL_TEMPLATE if trained_on.startswith("procedural:faces") else None


def locate_face(
    photo: Image.Image, size: int, face: int | None = None, template: np.ndarray | None = None
) -> PhotoFace:
    """Detect the faces, take face ``face`` (default: the largest) and align it onto a
    ``size`` px frame.  Raises FaceNotFoundError listing the boxes for a bad ``face``.
    With no face found, the photo's centre square is the frame (method ``whole-photo``):
    a photo that is a face crop already, or a generated image."""
    found = detect_faces(photo)
    landmarks = find_landmarks(photo, face, found)
    boxes = found[0]
    if landmarks.method == "whole-photo":
        return dataclasses.replace(centre_face(photo, size), method="whole-photo")
    alignment = align(landmarks, size, photo.size, template)
    return PhotoFace(alignment, landmarks.method, boxes, face or 0)


def centre_face(photo: Image.Image, size: int) -> PhotoFace:
    """No detection: the photo's centre square is the frame (a photo already aligned the
    way the model expects, e.g. a generated image)."""
    w, h = photo.size
    side = min(w, h)
    x0, y0 = (w - side) / 2, (h - side) / 2
    m = np.array(
        [[size / side, 0, -x0 * size / side], [0, size / side, -y0 * size / side], [0, 0, 1.0]]
    )
    box = (int(x0), int(y0), side, side)
    marks = np.array([x0, y0]) + np.array([[0.35, 0.42], [0.65, 0.42], [0.5, 0.72]]) * side
    return PhotoFace(Alignment(m, int(size), photo.size, marks, "centre"), "none", [box], 0)


def aligned_face(photo: Image.Image, face: PhotoFace) -> Image.Image:
    """The model-sized aligned face the projector fits."""
    return warp_to_aligned(photo, face.alignment)


def photo_arrays(
    photo: Image.Image, alignment: Alignment, projection: Mapping[str, Any] | None = None
) -> dict[str, np.ndarray]:
    """What a projected layer carries: its alignment, and the photo's own pixels under the
    face, so an edit of a layer that shows the reconstruction still blends over the
    original photo."""
    region = face_region(alignment)
    x0, y0, x1, y1 = region.box
    patch = np.asarray(photo)[y0:y1, x0:x1].copy()
    out = alignment.to_arrays()
    out["photo_patch"] = patch
    out["photo_patch_box"] = np.array(region.box, dtype=np.int64)
    if projection:
        out["photo_projection"] = np.array(json.dumps(dict(projection), default=str))
    return out


def photo_alignment(latents: Mapping[str, Any] | None) -> Alignment | None:
    """The alignment a source's latents carry (a projected photo), else None."""
    if not isinstance(latents, Mapping) or "photo_align" not in latents:
        return None
    try:
        return Alignment.from_arrays(latents)
    except ValueError as exc:
        raise ParamError(f"source: {exc}") from None


def projection_info(latents: Mapping[str, Any]) -> dict[str, Any]:
    """The projection's own record (model, detector, loss, quality) it was saved with."""
    raw = latents.get("photo_projection")
    if raw is None:
        return {}
    try:
        value = json.loads(str(np.asarray(raw)))
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def restore_photo(image: Image.Image, latents: Mapping[str, Any]) -> Image.Image:
    """The original photo from ``image`` (the photo, or a layer made from it that shows a
    reconstruction or an edit) by putting the saved pixels under the face back."""
    alignment = photo_alignment(latents)
    if alignment is None:
        return image
    if image.size != alignment.photo_size:
        w, h = alignment.photo_size
        raise ParamError(
            f"the source was projected from a {w}×{h} photo, "
            f"not this {image.width}×{image.height} one"
        )
    patch = latents.get("photo_patch")
    box = np.asarray(latents.get("photo_patch_box", ())).astype(int).ravel()
    if patch is None or box.shape != (4,):
        return image
    patch = np.asarray(patch)
    x0, y0, x1, y1 = box
    arr = np.asarray(image).copy()
    here = arr[y0:y1, x0:x1]
    if patch.shape == here.shape:
        here[...] = patch
    elif (
        patch.ndim == here.ndim == 3
        and patch.shape[:2] == here.shape[:2]
        and min(patch.shape[2], here.shape[2]) >= 3
    ):  # RGB photo, RGBA layer (or back)
        here[..., :3] = patch[..., :3]
    else:
        return image  # another mode than the photo's: blend over the layer as it is
    return Image.fromarray(arr, image.mode)


def blend_into_photo(
    images: Sequence[Image.Image],
    latents: Mapping[str, Any],
    photo: Image.Image,
    upscale: Upscaler | None = None,
) -> tuple[list[Image.Image], dict[str, Any]]:
    """Each model-sized face in ``images`` blended back into ``photo`` (the original, or a
    layer made from it: the saved pixels under the face are put back first).

    Returns photo-sized images and what was done (for provenance).  A face smaller than
    its place in the photo is enlarged by ``upscale`` first when one is given.
    """
    alignment = photo_alignment(latents)
    if alignment is None:
        return list(images), {}
    base = restore_photo(photo, latents)
    region = face_region(alignment)
    info: dict[str, Any] = {
        "photo_size": list(alignment.photo_size),
        "face_box": list(region.box),
        "blended": 0,
    }
    out: list[Image.Image] = []
    for image in images:
        if image.size != (alignment.size, alignment.size):
            out.append(image)  # a grid or another shape: not a face of this frame
            continue
        face = image
        if upscale is not None and alignment.scale < 0.95:  # the frame is smaller than the face
            try:
                face, done = upscale(face, alignment.size / alignment.scale)
                info["upscaled"] = done
            except UserError as exc:  # e.g. a damaged upscaler model: blend without it
                info["upscale_skipped"] = str(exc)
                upscale = None
        out.append(blend_face(base, face, alignment, region))
        info["blended"] += 1
    if info["blended"] < len(images):
        info["not_blended"] = len(images) - info["blended"]
    return out, info


def carry_photo(latents: Mapping[str, Any], source: Mapping[str, Any]) -> dict[str, Any]:
    """An edit's latents plus its source's photo keys: the edited layer can be edited
    again and still goes back to the same place."""
    out = dict(latents)
    out.update({k: source[k] for k in PHOTO_KEYS if k in source})
    return out
