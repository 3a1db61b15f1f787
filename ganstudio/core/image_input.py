"""Reading one input image safely: regular files only, sizes checked before reading.

Shared by ``ganstudio run --input``, ``ganstudio batch`` and anything else that
takes a user's image: a FIFO, a device (a link to ``/dev/zero``), a link loop,
a huge or sparse file and a decompression bomb are each refused with one line
(:class:`InputError`) instead of blocking, filling memory or raising.
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import stat
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps

from ganstudio.core.data.folder import describe_error

__all__ = [
    "DEFAULT_MAX_INPUT_BYTES",
    "HIGH_DEPTH_MODES",
    "InputError",
    "colour_family",
    "decode_input",
    "read_input",
    "read_input_bytes",
]

#: inputs larger than this are refused before reading (``--max-input-mb`` raises it)
DEFAULT_MAX_INPUT_BYTES = 1 << 30
HIGH_DEPTH_MODES = {"I", "I;16", "I;16B", "I;16L", "I;16N", "F"}


class InputError(Exception):
    """This one file cannot be processed; the message says why, for the report."""


def read_input(
    path: Path, max_bytes: int = DEFAULT_MAX_INPUT_BYTES, max_pixels: int | None = None
) -> tuple[Image.Image, dict[str, Any]]:
    """Decode ``path`` upright in a mode actions take, with its ICC profile and hash.

    Raises :class:`InputError` with a one-line reason for anything unusable.
    Only regular files are read, and only up to ``max_bytes`` (see
    :func:`read_input_bytes`); ``max_pixels`` (default Pillow's limit) refuses
    decompression bombs before decoding.
    Palette, CMYK, YCbCr, LAB and 1-bit images are converted (RGB/RGBA/L);
    16-bit and float greyscale pass through unchanged for actions that keep depth.
    """
    data = read_input_bytes(path, max_bytes)
    return decode_input(data, {"sha256": hashlib.sha256(data).hexdigest()}, max_pixels)


def read_input_bytes(path: Path, max_bytes: int = DEFAULT_MAX_INPUT_BYTES) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``; InputError otherwise.

    The file's type and size are checked with ``stat`` before it is opened, so a
    FIFO, a device (a link to ``/dev/zero``), a folder, a link loop or a huge
    sparse file is refused at once instead of blocking or filling memory; the
    open is non-blocking and re-checked, in case the file was swapped meanwhile.
    """
    try:
        st = os.stat(path)  # follows links, never opens: a FIFO cannot block here
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise InputError("a symbolic link loop (it points back at itself)") from None
        raise InputError(f"cannot read the file ({exc.strerror or exc})") from None
    _check_regular(st, max_bytes)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror or exc})") from None
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        _check_regular(st, max_bytes)  # the same file we checked
        try:  # ask for what stat says (plus a byte to see growth), not for the whole limit
            data = fh.read(min(st.st_size, max_bytes) + 1)
            if len(data) > st.st_size and len(data) <= max_bytes:  # it grew: the rest, bounded
                data += fh.read(max_bytes + 1 - len(data))
        except OSError as exc:
            raise InputError(f"cannot read the file ({exc.strerror or exc})") from None
    if len(data) > max_bytes:
        raise InputError(f"the file grew past the input limit of {_mb(max_bytes)} while read")
    if not data:
        raise InputError("empty file (0 bytes)")
    return data


def _check_regular(st: os.stat_result, max_bytes: int) -> None:
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"not a regular file ({_file_kind(st.st_mode)}); only files are read")
    if st.st_size > max_bytes:
        raise InputError(
            f"the file is {_mb(st.st_size)}, over the input limit of "
            f"{_mb(max_bytes)} (raise it with --max-input-mb)"
        )


def _file_kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "not a plain file"


def _mb(n: int) -> str:
    return f"{n / 2**20:,.1f} MB" if n < 2**30 else f"{n / 2**30:,.1f} GB"


def decode_input(
    data: bytes, info: dict[str, Any], max_pixels: int | None = None
) -> tuple[Image.Image, dict[str, Any]]:
    """Decode an input's bytes (see :func:`read_input`); ``info`` gains mode and profile."""
    info = dict(info)
    try:
        im = Image.open(io.BytesIO(data))
        limit = Image.MAX_IMAGE_PIXELS if max_pixels is None else max_pixels
        if limit and im.width * im.height > limit:
            raise InputError(
                f"image too large to open safely ({im.width}×{im.height} = "
                f"{im.width * im.height} pixels, limit {limit}; a decompression bomb?)"
            )
        im.load()
        upright = ImageOps.exif_transpose(im)
    except InputError:
        raise
    except Exception as exc:  # any decoder failure is this file's problem, not the batch's
        raise InputError(describe_error(exc)) from None
    info["mode"] = im.mode
    image = _action_mode(upright)
    icc = im.info.get("icc_profile")
    # a profile describes its own colour space: keep it only while that stays the same
    same_space = colour_family(im.mode) == colour_family(image.mode)
    info["icc_profile"] = icc if icc and same_space else None
    info["family"] = colour_family(image.mode)
    if info["icc_profile"] is None:
        image.info.pop("icc_profile", None)  # convert() copies info, stale profile included
    return image, info


def colour_family(mode: str) -> str:
    """The colour space an ICC profile would describe for this mode."""
    if mode in ("RGB", "RGBA", "RGBX", "RGBa", "P", "PA"):
        return "rgb"
    if mode in ("L", "LA", "La", "1") or mode in HIGH_DEPTH_MODES:
        return "grey"
    return mode.lower()


def _action_mode(im: Image.Image) -> Image.Image:
    mode = im.mode
    if mode in ("RGB", "RGBA", "L", "LA") or mode in HIGH_DEPTH_MODES:
        return im
    if mode in ("P", "PA"):
        return im.convert("RGBA" if mode == "PA" or "transparency" in im.info else "RGB")
    if mode == "1":
        return im.convert("L")
    if mode in ("RGBa", "La"):
        return im.convert("RGBA" if mode == "RGBa" else "LA")
    return im.convert("RGB")  # CMYK, YCbCr, LAB, HSV, RGBX …
