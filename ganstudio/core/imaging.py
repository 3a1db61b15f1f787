"""Images in and out: tensors ↔ PIL, grids, strips, and provenance metadata.

Every image GAN Studio writes records how it was made (model hash, variant,
action, params, seed) so ``ganstudio info IMAGE`` can tell and the GUI can
reopen it with the same settings: a PNG text chunk, EXIF ImageDescription in
JPEG/WebP, the comment block in GIF.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, PngImagePlugin

from ganstudio.core.atomic import atomic_path
from ganstudio.errors import UserError

PROVENANCE_KEY = "ganstudio"
_EXIF_DESCRIPTION = 0x010E
WRITABLE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP", ".gif": "GIF"}


class ImageWriteError(UserError, ValueError):
    """The output path has a format we cannot write."""


def tensor_to_images(batch: Any) -> list[Image.Image]:
    """(N, C, H, W) or (C, H, W) in [-1, 1] → RGB/L PIL images."""
    arr = batch.detach().float().cpu().numpy() if hasattr(batch, "detach") else np.asarray(batch)
    if arr.ndim == 3:
        arr = arr[None]
    arr = np.clip((arr + 1.0) * 127.5 + 0.5, 0, 255).astype(np.uint8)
    out = []
    for img in arr:
        hwc = np.transpose(img, (1, 2, 0))
        if hwc.shape[2] == 1:
            out.append(Image.fromarray(hwc[:, :, 0], "L"))
        elif hwc.shape[2] == 4:
            out.append(Image.fromarray(hwc, "RGBA"))
        else:
            out.append(Image.fromarray(hwc[:, :, :3], "RGB"))
    return out


def as_images(images: Any) -> list[Image.Image]:
    if isinstance(images, Image.Image):
        return [images]
    if isinstance(images, (list, tuple)):
        return [im if isinstance(im, Image.Image) else tensor_to_images(im)[0] for im in images]
    return tensor_to_images(images)


def make_grid(
    images: Sequence[Image.Image], columns: int | None = None, pad: int = 2
) -> Image.Image:
    """Tile images in rows (square-ish by default) on a dark background."""
    if not images:
        raise ValueError("no images to tile")
    n = len(images)
    cols = columns or math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    w, h = images[0].size
    mode = "RGBA" if any(im.mode == "RGBA" for im in images) else "RGB"
    grid = Image.new(mode, (cols * w + (cols + 1) * pad, rows * h + (rows + 1) * pad), (24, 24, 24))
    for i, im in enumerate(images):
        r, c = divmod(i, cols)
        grid.paste(im.convert(mode), (pad + c * (w + pad), pad + r * (h + pad)))
    return grid


def compose(images: Sequence[Image.Image], layout: str) -> Image.Image:
    if len(images) == 1:
        return images[0]
    if layout == "layers":  # stacked as a document shows them: the first at the bottom
        w, h = max(im.width for im in images), max(im.height for im in images)
        stack = Image.new("RGBA", (w, h), (0, 0, 0, 0))
        for im in images:
            stack.alpha_composite(im.convert("RGBA"))
        alpha = any(im.mode in ("RGBA", "LA", "PA") for im in images)
        return stack if alpha else stack.convert("RGB")
    if layout == "strip" or layout == "animation":
        return make_grid(images, columns=len(images))
    return make_grid(images)


def save_image(
    path: str | os.PathLike[str],
    image: Image.Image | Sequence[Image.Image],
    provenance: Mapping[str, Any] | None = None,
    duration_ms: int = 80,
    icc_profile: bytes | None = None,
) -> Path:
    """Write atomically, with provenance; a list of frames to .gif or .webp is an animation.

    ``icc_profile`` (default: the image's own ``info["icc_profile"]``) is
    embedded in PNG, JPEG and WebP so colours survive an edit.
    """
    path = Path(path).expanduser()
    fmt = WRITABLE_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ImageWriteError(
            f"{path.name}: cannot write {path.suffix or 'files without an extension'} "
            f"(use {', '.join(sorted(WRITABLE_FORMATS))})"
        )
    frames: list[Image.Image] = (
        list(image) if isinstance(image, (list, tuple)) else [image]  # type: ignore[list-item]
    )
    text = json.dumps(dict(provenance), sort_keys=True, default=str) if provenance else None
    kwargs: dict[str, Any] = {}
    first = frames[0]
    icc = icc_profile or first.info.get("icc_profile")
    if icc and fmt != "GIF":
        kwargs["icc_profile"] = icc
    if fmt == "PNG" and text:
        info = PngImagePlugin.PngInfo()
        info.add_itxt(PROVENANCE_KEY, text)
        kwargs["pnginfo"] = info
    elif fmt in ("JPEG", "WEBP"):
        if first.mode not in ("RGB", "L") and fmt == "JPEG":
            first = first.convert("RGB")
        if text:
            exif = Image.Exif()
            exif[_EXIF_DESCRIPTION] = text
            kwargs["exif"] = exif
        kwargs["quality"] = 95
        if fmt == "WEBP" and len(frames) > 1:  # an animated WebP, lossless: small frames
            # differ subtly, and a lossy encoder would merge them into one
            kwargs.update(save_all=True, append_images=frames[1:], duration=duration_ms, loop=0)
            kwargs.update(lossless=True)
            del kwargs["quality"]
    elif fmt == "GIF":
        if text:
            kwargs["comment"] = text.encode()
        if len(frames) > 1:
            kwargs.update(save_all=True, append_images=frames[1:], duration=duration_ms, loop=0)
    with atomic_path(path) as tmp:
        first.save(tmp, format=fmt, **kwargs)
    return path


#: the file types an animation (a playable layer, ``animate``) is written as frames
ANIMATED_SUFFIXES = (".gif", ".webp")


def save_animation(
    path: str | os.PathLike[str],
    frames: Sequence[Image.Image],
    provenance: Mapping[str, Any] | None = None,
    fps: float = 8.0,
) -> Path:
    """Frames as an animated GIF or WebP, or side by side as a strip (PNG, JPEG).

    ``fps`` sets each frame's duration; GIF counts in hundredths of a second,
    so speeds above 50 fps play at 50.
    """
    if not frames:
        raise ValueError("an animation needs at least one frame")
    if Path(path).suffix.lower() in ANIMATED_SUFFIXES:
        duration = max(1, round(1000 / max(0.1, float(fps))))
        return save_image(path, list(frames), provenance, duration_ms=duration)
    return save_image(path, make_grid(list(frames), columns=len(frames)), provenance)


def read_provenance(path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """What ``save_image`` recorded, or None for images made elsewhere.

    Reads only the file's header and text chunks (never decodes pixels), with
    the same pixel limit as ``run --input`` and batch; damaged or hostile
    provenance (not JSON of the expected shape, nested too deep) is a
    :class:`~ganstudio.errors.DataError`.
    """
    from ganstudio.core.untrusted import check_provenance, open_image

    path = Path(path)
    with open_image(path) as im:
        raw: Any = None
        try:
            if im.format == "PNG":
                raw = im.info.get(PROVENANCE_KEY)  # our iTXt chunk comes before the pixels
            elif im.format == "GIF":
                raw = im.info.get("comment")
            else:
                raw = im.getexif().get(_EXIF_DESCRIPTION)
        except Exception:  # noqa: BLE001 - unreadable EXIF: no provenance, not a crash
            raw = None
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    if not isinstance(raw, str) or not raw.strip().startswith("{"):
        return None
    return check_provenance(raw, path.name)
