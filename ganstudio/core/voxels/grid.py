"""What a voxel grid must be: a float occupancy cube of sane size (see the package doc)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ganstudio.errors import DataError

#: the largest side GAN Studio reads or meshes (256³ floats are 64 MB)
MAX_SIDE = 256


class VoxelError(DataError):
    """A grid (or a file holding one) cannot be used: the message says why, in one line."""


def as_grid(value: Any, what: str = "the grid") -> np.ndarray:
    """``value`` as a float32 (X, Y, Z) occupancy in [0, 1], or :class:`VoxelError`.

    Accepts (X, Y, Z), (1, X, Y, Z) and (1, 1, X, Y, Z) arrays or tensors of
    bools, integers (0/1 or 0..255) and floats; NaN counts as empty.
    """
    if hasattr(value, "detach"):  # a torch tensor, without importing torch
        value = value.detach().to("cpu").float().numpy()
    try:
        arr = np.asarray(value)
    except Exception as exc:  # noqa: BLE001 - whatever it is, it is not a grid
        raise VoxelError(f"{what} is not an array ({type(exc).__name__})") from None
    while arr.ndim > 3 and arr.shape[0] == 1:
        arr = arr[0]
    if arr.ndim != 3:
        raise VoxelError(f"{what} has shape {tuple(arr.shape)}; a voxel grid is X×Y×Z")
    if min(arr.shape) < 1 or max(arr.shape) > MAX_SIDE:
        raise VoxelError(
            f"{what} is {'×'.join(map(str, arr.shape))}; sides must be 1 to {MAX_SIDE}"
        )
    if arr.dtype == bool:
        return arr.astype(np.float32)
    if arr.dtype.kind in "iu":
        peak = int(arr.max()) if arr.size else 0
        out = arr.astype(np.float32) / (255.0 if peak > 1 else 1.0)
        return np.clip(out, 0.0, 1.0)
    if arr.dtype.kind != "f":
        raise VoxelError(f"{what} holds {arr.dtype} values; numbers are expected")
    out = np.nan_to_num(arr.astype(np.float32), nan=0.0, posinf=1.0, neginf=0.0)
    return np.clip(out, 0.0, 1.0)


def solid(grid: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """The bool mask of solid voxels."""
    return np.asarray(grid) >= threshold
