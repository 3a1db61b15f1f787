"""Photos of people: detect → align → (project) → edit → invert the alignment → blend back.

Qt-free and model-agnostic: a plugin's projector uses :func:`locate_face` and
:func:`aligned_face` and puts :func:`photo_arrays` into its result's latents;
``ganstudio.core.actions`` then blends the result of *any* latent action whose
source carries them back into the photo (:func:`blend_into_photo`).
Modules: ``detect`` (faces, eyes, mouth), ``align`` (the FFHQ similarity
transform and its inverse), ``blend`` (feathered mask, colour matching),
``pipeline`` (the pieces joined), ``edit`` (the blend after any latent action),
``upscale`` (an installed super-resolver).
"""

from __future__ import annotations

from .align import PROCEDURAL_TEMPLATE, Alignment, align, ffhq_quad, warp_to_aligned
from .blend import FaceRegion, blend_face, face_region, match_colour
from .detect import FaceNotFoundError, Landmarks, detect_faces, find_landmarks
from .pipeline import (
    PHOTO_KEYS,
    PhotoFace,
    aligned_face,
    blend_into_photo,
    carry_photo,
    centre_face,
    face_template,
    locate_face,
    photo_alignment,
    photo_arrays,
    projection_info,
    restore_photo,
)

__all__ = [
    "PHOTO_KEYS",
    "PROCEDURAL_TEMPLATE",
    "Alignment",
    "FaceNotFoundError",
    "FaceRegion",
    "Landmarks",
    "PhotoFace",
    "align",
    "aligned_face",
    "blend_face",
    "blend_into_photo",
    "carry_photo",
    "centre_face",
    "detect_faces",
    "face_region",
    "face_template",
    "ffhq_quad",
    "find_landmarks",
    "locate_face",
    "match_colour",
    "photo_alignment",
    "photo_arrays",
    "projection_info",
    "restore_photo",
    "warp_to_aligned",
]
