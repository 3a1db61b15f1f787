"""Model-file headers without torch: what a model is, read in microseconds.

A ``.safetensors`` file starts with an 8-byte length and a JSON header; GAN
Studio's metadata sits in it under ``ganstudio``.  The model browser, ``info``
and start-up read only this, before torch has loaded.  Both JSON layers come
from outside, so they go through :mod:`ganstudio.core.untrusted` (bounded
parsing, then a schema) and every failure is a :class:`CheckpointError`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ganstudio.core import untrusted
from ganstudio.errors import CheckpointError

__all__ = [
    "FORMAT_VERSION",
    "META_KEY",
    "CheckpointError",
    "existing_file",
    "read_header_json",
    "read_metadata",
    "tensor_names",
]

FORMAT_VERSION = 1
META_KEY = "ganstudio"


def read_header_json(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The whole safetensors header, parsed with bounds and checked for shape."""
    path = existing_file(path)
    try:
        with open(path, "rb") as fh:
            n = int.from_bytes(fh.read(8), "little")
            if n <= 1 or n > untrusted.MAX_HEADER_BYTES:
                raise ValueError
            raw = fh.read(n)
            if len(raw) != n:
                raise ValueError
    except PermissionError as exc:
        raise CheckpointError(f"{path}: cannot read ({exc.strerror})") from None
    except (OSError, ValueError):
        raise CheckpointError(f"{path}: not a .safetensors model file") from None
    if raw[:1] not in (b"{", b"[", b'"'):  # not JSON at all: some other kind of file
        raise CheckpointError(f"{path}: not a .safetensors model file")
    header = untrusted.parse_json(
        raw, f"{path}: header", untrusted.MAX_HEADER_BYTES, error=CheckpointError
    )
    return untrusted.check_safetensors_header(header, str(path))


def read_metadata(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The GAN Studio metadata alone, without reading the tensors (schema-checked)."""
    path = existing_file(path)
    header = read_header_json(path)
    raw = (header.get("__metadata__") or {}).get(META_KEY)
    if raw is None:
        raise CheckpointError(
            f"{path}: a .safetensors file but not a GAN Studio model (no metadata)"
        )
    meta = untrusted.parse_json(raw, f"{path}: GAN Studio metadata", error=CheckpointError)
    return untrusted.check_model_meta(meta, str(path), FORMAT_VERSION)


def tensor_names(path: str | os.PathLike[str]) -> dict[str, list[int]]:
    """Tensor names and shapes from the header (cheap)."""
    header = read_header_json(path)
    return {k: v["shape"] for k, v in header.items() if k != "__metadata__"}


def existing_file(path: str | os.PathLike[str]) -> Path:
    p = Path(path).expanduser()
    if not p.exists():
        raise CheckpointError(f"{p}: no such file")
    if p.is_dir():
        raise CheckpointError(f"{p}: is a folder, expected a model file")
    if not p.is_file():  # a FIFO or a device would block or never end
        raise CheckpointError(f"{p}: not a regular file")
    return p
