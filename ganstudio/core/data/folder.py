"""The user's own image folder: scanning, robust decoding, square crops.

Real folders hold phone JPEGs rotated by EXIF, palette PNGs with
transparency, 16-bit TIFFs, CMYK scans, half-copied files and stray text
files. Everything here turns those into plain RGB squares, and a bad file is
reported and skipped -- it never stops a scan or a training run.
No torch here; the Dataset adapter lives in ``tensors.py``.
"""

from __future__ import annotations

import logging
import os
import stat
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path, PurePosixPath

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

__all__ = ["IMAGE_EXTENSIONS", "ImageFolder", "describe_error", "load_image", "scan_images"]

IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff"})

log = logging.getLogger("ganstudio.data")


def scan_images(
    root: str | os.PathLike[str], recursive: bool = True, pattern: str | None = None
) -> list[Path]:
    """Image files under ``root``, sorted by relative POSIX path (stable across OSes).

    Extensions match case-insensitively. Hidden files and folders (leading
    dot, e.g. macOS ``._x.jpg`` resource forks) are skipped. ``pattern`` is a
    glob matched case-insensitively from the right of the relative path, so
    ``"*_photo.*"`` matches names and ``"cats/*.jpg"`` matches a sub-folder.
    """
    base = _check_folder(root)
    found: list[tuple[str, Path]] = []
    for path in _walk(base, recursive):
        rel = path.relative_to(base).as_posix()
        if pattern is not None and not PurePosixPath(rel.lower()).match(pattern.lower()):
            continue
        found.append((rel, path))
    found.sort(key=lambda item: item[0])
    return [path for _, path in found]


def _check_folder(root: str | os.PathLike[str]) -> Path:
    base = Path(root).expanduser()
    if not base.exists():
        raise ValueError(f"image folder {str(base)!r} does not exist")
    if not base.is_dir():
        raise ValueError(f"image folder {str(base)!r} is not a folder")
    return base


def _walk(base: Path, recursive: bool) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")] if recursive else []
        for name in filenames:
            if not name.startswith(".") and os.path.splitext(name)[1].lower() in IMAGE_EXTENSIONS:
                yield Path(dirpath) / name


def describe_error(exc: BaseException) -> str:
    """One human line for why a file cannot be used."""
    if isinstance(exc, Image.DecompressionBombError):
        return f"image too large to open safely ({exc})"
    if isinstance(exc, UnidentifiedImageError):
        return "not a readable image (unknown or corrupt format)"
    if isinstance(exc, OSError) and "truncated" in str(exc).lower():
        return f"truncated or corrupt image ({exc})"
    if isinstance(exc, OSError | SyntaxError | ValueError):
        return f"corrupt image ({type(exc).__name__}: {exc})"
    return f"unreadable image ({type(exc).__name__}: {exc})"


def check_image(path: Path) -> str | None:
    """Cheap validity check (header + structure, no full decode): None if fine, else a reason."""
    try:
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):  # a FIFO or a device would block or never end
            return "not a regular file; only files are read"
        if st.st_size == 0:
            return "empty file (0 bytes)"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. DecompressionBombWarning, EXIF noise
            with Image.open(path) as im:
                width, height = im.size
                im.verify()
        if width <= 0 or height <= 0:
            return "image has no pixels"
    except Exception as exc:  # any decoder failure means "skip this file"
        return describe_error(exc)
    return None


def load_image(path: str | os.PathLike[str], size: int | None = None) -> Image.Image:
    """Decode ``path`` as upright RGB; with ``size``, a centred square of that side.

    Transparency is composited on white (what a viewer shows), 16-bit and
    float images are rescaled rather than clipped, and big JPEGs are decoded
    at a reduced scale via ``draft`` (never below ``size``).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with Image.open(path) as im:
            if size is not None and im.format == "JPEG":
                im.draft("RGB", (size, size))
            im.load()
            upright = ImageOps.exif_transpose(im)
            rgb = _to_rgb(upright)
    if size is not None:
        rgb = ImageOps.fit(rgb, (size, size), Image.Resampling.LANCZOS)
    return rgb


def _to_rgb(im: Image.Image) -> Image.Image:
    """Any Pillow mode to 8-bit RGB, sensibly (always a new image)."""
    mode = im.mode
    if mode == "RGB":
        return im.copy()
    if mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
        mode = im.mode
    if mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        mode in ("L", "RGB") and "transparency" in im.info
    ):
        rgba = im.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    if mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        return _high_depth_to_rgb(im)
    if mode == "1":
        return im.convert("L").convert("RGB")
    return im.convert("RGB")  # L, CMYK, YCbCr, LAB, HSV ...


def _high_depth_to_rgb(im: Image.Image) -> Image.Image:
    """16/32-bit integer or float grey to 8-bit: scale by the format's range, not clip."""
    arr = np.asarray(im)
    if arr.dtype.kind == "f":
        finite = arr[np.isfinite(arr)]
        peak = float(finite.max()) if finite.size else 1.0
        scaled = arr * 255.0 if peak <= 1.0 else arr
    else:
        peak = int(arr.max()) if arr.size else 0
        scaled = arr / 257.0 if peak > 255 else arr.astype(np.float64)
    grey = np.nan_to_num(np.clip(scaled, 0, 255)).round().astype(np.uint8)
    return Image.fromarray(grey, "L").convert("RGB")


class ImageFolder:
    """The usable images of a folder as square RGB crops, in a stable order.

    Construction checks every file cheaply (in threads: the work is I/O and
    C decoding) and lists rejects in ``skipped``. A file that passes the
    check but fails to decode later is logged, added to ``skipped`` and
    replaced by the next decodable file, so one bad file never stops training.
    (In DataLoader worker processes those late rejects stay in the worker.)
    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        size: int | None,
        recursive: bool = True,
        pattern: str | None = None,
        max_workers: int | None = None,
    ) -> None:
        self.root = _check_folder(root)
        self.size = size
        candidates = scan_images(self.root, recursive=recursive, pattern=pattern)
        workers = max_workers or min(8, (os.cpu_count() or 1) + 2)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            reasons = list(pool.map(check_image, candidates))
        self.paths: list[Path] = [p for p, r in zip(candidates, reasons, strict=True) if r is None]
        self.skipped: list[tuple[Path, str]] = [
            (p, r) for p, r in zip(candidates, reasons, strict=True) if r is not None
        ]
        self._broken: set[int] = set()
        if not self.paths:
            detail = f" ({len(self.skipped)} unreadable)" if self.skipped else ""
            raise ValueError(
                f"image folder {str(self.root)!r} has no usable images{detail}; "
                f"looked for {', '.join(sorted(IMAGE_EXTENSIONS))}"
            )

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int) -> Image.Image:
        n = len(self.paths)
        if not -n <= index < n:
            raise IndexError(f"image {index} out of range for {n} images")
        start = index % n
        for step in range(n):
            i = (start + step) % n
            if i in self._broken:
                continue
            try:
                return load_image(self.paths[i], self.size)
            except Exception as exc:  # report and move on, never stop training
                reason = describe_error(exc)
                log.warning("skipping %s: %s", self.paths[i], reason)
                self._broken.add(i)
                self.skipped.append((self.paths[i], reason))
        raise RuntimeError(f"no image in {str(self.root)!r} could be decoded")

    def __repr__(self) -> str:
        return (
            f"ImageFolder({str(self.root)!r}, size={self.size}, images={len(self.paths)}, "
            f"skipped={len(self.skipped)})"
        )
