"""Model-file headers without torch: what a model is, read in microseconds.

A ``.safetensors`` file starts with an 8-byte length and a JSON header; GAN
Studio's metadata sits in it under ``ganstudio``.  The model browser, ``info``
and start-up read only this, before torch has loaded.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ganstudio.errors import UserError

FORMAT_VERSION = 1
META_KEY = "ganstudio"


class CheckpointError(UserError, ValueError):
    """A model file is missing, damaged, of the wrong kind, or does not fit."""


def read_metadata(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The JSON header alone, without reading the tensors."""
    path = existing_file(path)
    try:
        with open(path, "rb") as fh:
            n = int.from_bytes(fh.read(8), "little")
            if n <= 0 or n > 100 * 1024 * 1024:
                raise ValueError
            header = json.loads(fh.read(n))
    except (OSError, ValueError):
        raise CheckpointError(f"{path}: not a .safetensors model file") from None
    raw = (header.get("__metadata__") or {}).get(META_KEY)
    if raw is None:
        raise CheckpointError(
            f"{path}: a .safetensors file but not a GAN Studio model (no metadata)"
        )
    try:
        meta = json.loads(raw)
    except ValueError:
        raise CheckpointError(f"{path}: damaged GAN Studio metadata") from None
    if int(meta.get("format", 0)) > FORMAT_VERSION:
        raise CheckpointError(
            f"{path}: written by a newer GAN Studio (format {meta.get('format')}); please upgrade"
        )
    return meta


def tensor_names(path: str | os.PathLike[str]) -> dict[str, list[int]]:
    """Tensor names and shapes from the header (cheap)."""
    path = existing_file(path)
    with open(path, "rb") as fh:
        n = int.from_bytes(fh.read(8), "little")
        header = json.loads(fh.read(n))
    return {k: v["shape"] for k, v in header.items() if k != "__metadata__"}


def existing_file(path: str | os.PathLike[str]) -> Path:
    p = Path(path).expanduser()
    if not p.exists():
        raise CheckpointError(f"{p}: no such file")
    if p.is_dir():
        raise CheckpointError(f"{p}: is a folder, expected a model file")
    return p
