"""Reading a ``.gsproj`` safely: the schema of ``document.json`` and bounded decoding.

A project or an autosave may be damaged or hostile (``size: 5``, a list, deeply
nested JSON, a layer PNG that declares 30000² pixels).  Everything here checks
types, ranges and declared sizes *before* anything is built or decoded, and
turns every problem into one :class:`ValueError` line that
:meth:`Document.load` reports as "could not open: reason".
"""

from __future__ import annotations

import io
import json
import math
import zipfile
from typing import Any

import numpy as np
from PIL import Image

#: the longest side of a canvas or a layer, in pixels
MAX_SIDE = 1 << 16
#: one layer at most (a 1 GiB RGBA image: 16k × 16k)
MAX_LAYER_PIXELS = 1 << 28
#: all layers together (4 GiB of RGBA); the memory a project may ask for when opened
MAX_TOTAL_PIXELS = 1 << 30
MAX_LAYERS = 10_000
#: frames of one playable layer
MAX_FRAMES = 1024
#: how deep provenance may nest (real ones are 3–4 levels)
MAX_DEPTH = 32
#: a member of the zip we read whole (document.json, a latent), by its declared size
MAX_MEMBER_BYTES = 1 << 30
MAX_JSON_BYTES = 64 << 20
_MAX_OFFSET = 1 << 24

__all__ = [
    "MAX_LAYER_PIXELS",
    "MAX_TOTAL_PIXELS",
    "read_document_json",
    "read_latent",
    "read_layer_image",
    "validate_document",
]


def read_document_json(zf: zipfile.ZipFile, newest_format: int) -> dict[str, Any]:
    """``document.json`` of an open project, parsed and validated (ValueError if not)."""
    try:
        info = zf.getinfo("document.json")
    except KeyError:
        raise ValueError("it has no document.json") from None
    if info.file_size > MAX_JSON_BYTES:
        raise ValueError(f"document.json is {info.file_size} bytes (at most {MAX_JSON_BYTES})")
    try:
        meta = json.loads(zf.read(info))
    except RecursionError:
        raise ValueError("document.json is nested too deeply") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"document.json is not valid JSON ({exc})") from None
    return validate_document(meta, newest_format)


def validate_document(meta: Any, newest_format: int) -> dict[str, Any]:
    """Check the shape of ``document.json``; returns it with defaults filled in."""
    if not isinstance(meta, dict):
        raise ValueError(f"document.json holds {_kind(meta)}, not an object")
    fmt = meta.get("format", 0)
    if not _is_int(fmt) or fmt < 0:
        raise ValueError(f"'format' is {_show(fmt)}, not a version number")
    if fmt > newest_format:
        raise NewerFormatError("written by a newer GAN Studio; please upgrade")
    size = _pair(meta.get("size"), "size", 1, MAX_SIDE)
    if size[0] * size[1] > MAX_LAYER_PIXELS:
        raise ValueError(f"the canvas {size[0]}×{size[1]} is larger than this app opens")
    layers = meta.get("layers", [])
    if not isinstance(layers, list):
        raise ValueError(f"'layers' is {_kind(layers)}, not a list")
    if len(layers) > MAX_LAYERS:
        raise ValueError(f"{len(layers)} layers (at most {MAX_LAYERS})")
    active = meta.get("active", -1)
    if not _is_int(active):
        raise ValueError(f"'active' is {_show(active)}, not a layer index")
    return {
        **meta,
        "format": fmt,
        "size": size,
        "active": active,
        "layers": [_layer(entry, i) for i, entry in enumerate(layers)],
    }


class NewerFormatError(ValueError):
    """The project was written by a newer version."""


def _layer(entry: Any, i: int) -> dict[str, Any]:
    where = f"layer {i}"
    if not isinstance(entry, dict):
        raise ValueError(f"{where} is {_kind(entry)}, not an object")
    out = dict(entry)
    out["file"] = _str(entry.get("file"), f"{where}: 'file'")
    out["name"] = _str(entry.get("name", "Layer"), f"{where}: 'name'")
    visible = entry.get("visible", True)
    if not isinstance(visible, bool | int) or isinstance(visible, float):
        raise ValueError(f"{where}: 'visible' is {_show(visible)}, not true/false")
    out["visible"] = bool(visible)
    opacity = entry.get("opacity", 1.0)
    if (
        not isinstance(opacity, int | float)
        or isinstance(opacity, bool)
        or not (math.isfinite(opacity) and 0.0 <= opacity <= 1.0)
    ):
        raise ValueError(f"{where}: 'opacity' is {_show(opacity)}, not a number in [0, 1]")
    out["opacity"] = float(opacity)
    out["offset"] = _pair(
        entry.get("offset", [0, 0]), f"{where}: 'offset'", -_MAX_OFFSET, _MAX_OFFSET
    )
    provenance = entry.get("provenance")
    if provenance is not None and not isinstance(provenance, dict):
        raise ValueError(f"{where}: 'provenance' is {_kind(provenance)}, not an object")
    if _depth(provenance) > MAX_DEPTH:
        raise ValueError(f"{where}: 'provenance' is nested too deeply")
    latents = entry.get("latents", {})
    if not isinstance(latents, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in latents.items()
    ):
        raise ValueError(f"{where}: 'latents' is not a map of names to files")
    out["latents"] = latents  # optional: a plain image layer of an older file has none
    layer_id = entry.get("id")
    if layer_id is not None and not isinstance(layer_id, str):
        raise ValueError(f"{where}: 'id' is {_show(layer_id)}, not a string")
    for key in ("mask", "blend", "role"):  # format 2 (optional)
        if entry.get(key) is not None:
            _str(entry[key], f"{where}: {key!r}")
    out.update(_frames(entry, where))
    return out


def _frames(entry: dict[str, Any], where: str) -> dict[str, Any]:
    """A playable layer's ``frames`` (file names), ``fps`` and shown ``frame`` (format 3)."""
    frames = entry.get("frames")
    if frames is None:
        return {}
    if not isinstance(frames, list) or not all(isinstance(f, str) for f in frames):
        raise ValueError(f"{where}: 'frames' is not a list of file names")
    if len(frames) > MAX_FRAMES:
        raise ValueError(f"{where}: {len(frames)} frames (at most {MAX_FRAMES})")
    fps = entry.get("fps", 8.0)
    if isinstance(fps, bool) or not isinstance(fps, int | float) or not 0 < fps <= 60:
        raise ValueError(f"{where}: 'fps' is {_show(fps)}, not a number in (0, 60]")
    frame = entry.get("frame", 0)
    if not _is_int(frame) or not 0 <= frame < max(1, len(frames)):
        raise ValueError(f"{where}: 'frame' is {_show(frame)}, not one of its {len(frames)} frames")
    return {"frames": frames, "fps": float(fps), "frame": frame}


def read_layer_image(
    zf: zipfile.ZipFile, name: str, budget: list[int] | None = None, mode: str = "RGBA"
) -> Image.Image:
    """Decode one layer PNG (or mask) in ``mode``, refusing it before decoding if it
    declares too many pixels.

    ``budget`` is a one-item list of pixels still allowed for the whole project;
    it is decreased by this layer's pixels.
    """
    data = _member(zf, name)
    try:
        with Image.open(io.BytesIO(data)) as im:
            w, h = im.size
            if w < 1 or h < 1 or w > MAX_SIDE or h > MAX_SIDE or w * h > MAX_LAYER_PIXELS:
                raise ValueError(
                    f"{name} declares {w}×{h} pixels, more than a layer may have "
                    "(a decompression bomb?)"
                )
            if budget is not None:
                if w * h > budget[0]:
                    raise ValueError(
                        f"the layers together hold more than {MAX_TOTAL_PIXELS} "
                        "pixels, more than this app opens"
                    )
                budget[0] -= w * h
            return im.convert(mode)
    except ValueError:
        raise
    except Image.DecompressionBombError as exc:
        raise ValueError(f"{name}: too large to open safely ({exc})") from None
    except Exception as exc:  # any decoder failure is this file's damage
        raise ValueError(f"{name} is not a readable image ({type(exc).__name__}: {exc})") from None


def read_latent(zf: zipfile.ZipFile, name: str) -> np.ndarray:
    """One ``.npy`` latent; its header must fit the bytes stored (no huge allocation)."""
    data = _member(zf, name)
    buf = io.BytesIO(data)
    try:
        version = np.lib.format.read_magic(buf)
        readers = {
            (1, 0): np.lib.format.read_array_header_1_0,
            (2, 0): np.lib.format.read_array_header_2_0,
        }
        if version not in readers:
            raise ValueError(f".npy version {version} is not supported")
        shape, _fortran, dtype = readers[version](buf)
        if dtype.hasobject:
            raise ValueError("it holds Python objects")
        need = math.prod(shape) * dtype.itemsize
        if need > len(data):
            raise ValueError(f"its header claims {need} bytes but {len(data)} are stored")
        buf.seek(0)
        return np.load(buf, allow_pickle=False)
    except Exception as exc:
        raise ValueError(f"latent {name} is damaged ({exc})") from None


def _member(zf: zipfile.ZipFile, name: str) -> bytes:
    try:
        info = zf.getinfo(name)
    except KeyError:
        raise ValueError(f"{name} is missing") from None
    if info.file_size > MAX_MEMBER_BYTES:
        raise ValueError(f"{name} is {info.file_size} bytes unpacked (a zip bomb?)")
    return zf.read(info)


def _pair(value: Any, what: str, low: int, high: int) -> tuple[int, int]:
    if (
        not isinstance(value, list | tuple)
        or len(value) != 2
        or not all(_is_int(v) and low <= v <= high for v in value)
    ):
        raise ValueError(f"{what} is {_show(value)}, not two whole numbers in [{low}, {high}]")
    return int(value[0]), int(value[1])


def _str(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{what} is {_show(value)}, not a string")
    return value


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _depth(value: Any) -> int:
    """Nesting depth of JSON data, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if deepest > MAX_DEPTH:
                return deepest
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return deepest


def _kind(value: Any) -> str:
    return {
        dict: "an object",
        list: "a list",
        str: "a string",
        bool: "true/false",
        type(None): "null",
    }.get(type(value), "a number")


def _show(value: Any) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, dict | list) else _kind(value)
    return text if len(text) <= 40 else text[:37] + "..."
