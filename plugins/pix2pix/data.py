"""Training data for pix2pix and CycleGAN: paired, side-by-side, photo and unpaired folders.

* ``paired:ROOT`` — ``ROOT/A`` and ``ROOT/B`` matched by file name (the
  extension may differ); names without a partner are refused, by name.
* ``aligned:ROOT`` — ``A|B`` side-by-side images (the public pix2pix sets).
* ``photos:ROOT`` — a plain folder of photos; each sketch is drawn by
  :func:`~.sketch.photo_to_sketch`.
* ``unpaired:ROOT`` — ``ROOT/A`` and ``ROOT/B`` of any sizes, for CycleGAN.

Add ``?direction=BtoA`` to swap the two sides.  A file that cannot be decoded
is reported (``skipped``) and replaced by the next one, so one bad file never
stops a run.  Items are ``{"image": B (C, H, W), "sketch": A}`` in [-1, 1]
(``source`` instead of ``sketch`` for unpaired data).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import numpy as np
import torch
from PIL import Image, ImageOps

from .sketch import photo_to_sketch

log = logging.getLogger("ganstudio.pix2pix")

EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff"})


def parse(arg: str) -> tuple[Path, bool]:
    """``ROOT?direction=BtoA`` → (ROOT, swap)."""
    path, _, query = arg.partition("?")
    opts = dict(parse_qsl(query))
    direction = opts.pop("direction", "AtoB")
    if opts:
        raise ValueError(f"unknown option {next(iter(opts))!r} (only direction=AtoB|BtoA)")
    if direction not in ("AtoB", "BtoA"):
        raise ValueError(f"direction must be AtoB or BtoA, got {direction!r}")
    root = Path(path).expanduser()
    if not root.is_dir():
        raise ValueError(f"{str(root)!r} is not a folder")
    return root, direction == "BtoA"


def images_in(folder: Path) -> list[Path]:
    """Image files directly in ``folder`` (hidden files skipped), sorted by name."""
    if not folder.is_dir():
        raise ValueError(f"no folder {folder.name}/ in {str(folder.parent)!r}")
    found = sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in EXTENSIONS
    )
    if not found:
        raise ValueError(f"{str(folder)!r} holds no images ({', '.join(sorted(EXTENSIONS))})")
    return found


def _names(paths: list[Path], side: str) -> dict[str, Path]:
    by_stem: dict[str, Path] = {}
    for p in paths:
        if p.stem in by_stem:
            raise ValueError(
                f"{side}/ holds two images named {p.stem!r}: {by_stem[p.stem].name}, {p.name}"
            )
        by_stem[p.stem] = p
    return by_stem


def _listed(names: list[str], limit: int = 5) -> str:
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


def match_pairs(root: Path) -> list[tuple[Path, Path]]:
    """(A, B) files of ``root/A`` and ``root/B`` with the same name; a name on one side
    only is an error that names them (the first five of each side)."""
    a, b = _names(images_in(root / "A"), "A"), _names(images_in(root / "B"), "B")
    only_a, only_b = sorted(set(a) - set(b)), sorted(set(b) - set(a))
    if only_a or only_b:
        parts = []
        if only_a:
            parts.append(f"only in A/: {_listed([a[n].name for n in only_a])}")
        if only_b:
            parts.append(f"only in B/: {_listed([b[n].name for n in only_b])}")
        raise ValueError(
            f"{len(only_a) + len(only_b)} image(s) without a partner ({'; '.join(parts)})"
        )
    return [(a[n], b[n]) for n in sorted(a)]


def load(path: Path) -> Image.Image:
    """Decode upright, in RGB (transparency on white)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with Image.open(path) as opened:
            opened.load()
            im: Image.Image = ImageOps.exif_transpose(opened)
    if im.mode != "RGB":
        rgba = im.convert("RGBA")
        im = Image.alpha_composite(Image.new("RGBA", rgba.size, (255,) * 4), rgba).convert("RGB")
    return im


def to_tensor(image: Image.Image) -> torch.Tensor:
    """L or RGB → (C, H, W) float in [-1, 1]."""
    arr = np.asarray(image, dtype=np.float32)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    return torch.from_numpy(arr.copy()).permute(2, 0, 1) / 127.5 - 1.0


def fit(image: Image.Image, size: int) -> Image.Image:
    return ImageOps.fit(image, (size, size), Image.Resampling.BICUBIC)


class _Robust(torch.utils.data.Dataset):
    """Items made by ``make(i)``; an item whose file fails is skipped and reported."""

    def __init__(self, count: int, make: Callable[[int], dict[str, torch.Tensor]]) -> None:
        self.count, self.make = count, make
        self.skipped: list[tuple[Any, str]] = []
        self._broken: set[int] = set()

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        for step in range(self.count):
            i = (index + step) % self.count
            if i in self._broken:
                continue
            try:
                return self.make(i)
            except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
                log.warning("skipping item %d: %s", i, exc)
                self._broken.add(i)
                self.skipped.append((i, f"{type(exc).__name__}: {exc}"))
        raise RuntimeError("no item of the data set could be decoded")


def open_paired(arg: str, resolution: int) -> _Robust:
    root, swap = parse(arg)
    pairs = match_pairs(root)

    def make(i: int) -> dict[str, torch.Tensor]:
        a, b = (load(p) for p in pairs[i][:: -1 if swap else 1])
        return {"image": to_tensor(fit(b, resolution)), "sketch": to_tensor(fit(a, resolution))}

    return _Robust(len(pairs), make)


def open_aligned(arg: str, resolution: int) -> _Robust:
    root, swap = parse(arg)
    files = images_in(root)

    def make(i: int) -> dict[str, torch.Tensor]:
        ab = load(files[i])
        w, h = ab.size
        if w < 2:
            raise ValueError(f"{files[i].name} is too narrow to hold two images side by side")
        a, b = ab.crop((0, 0, w // 2, h)), ab.crop((w // 2, 0, w // 2 * 2, h))
        if swap:
            a, b = b, a
        return {"image": to_tensor(fit(b, resolution)), "sketch": to_tensor(fit(a, resolution))}

    return _Robust(len(files), make)


def open_photos(arg: str, resolution: int) -> _Robust:
    root, swap = parse(arg)
    if swap:
        raise ValueError("photos: sketches are always the input (no direction)")
    files = images_in(root)

    def make(i: int) -> dict[str, torch.Tensor]:
        photo = fit(load(files[i]), resolution)
        return {"image": to_tensor(photo), "sketch": to_tensor(photo_to_sketch(photo))}

    return _Robust(len(files), make)


def open_unpaired(arg: str, resolution: int) -> _Robust:
    root, swap = parse(arg)
    a, b = images_in(root / "A"), images_in(root / "B")
    if swap:
        a, b = b, a
    count = max(len(a), len(b))
    order = np.random.default_rng(0).permutation(count * len(b))  # B drawn apart from A

    def make(i: int) -> dict[str, torch.Tensor]:
        src, dst = load(a[i % len(a)]), load(b[int(order[i]) % len(b)])
        return {"image": to_tensor(fit(dst, resolution)), "source": to_tensor(fit(src, resolution))}

    return _Robust(count, make)
