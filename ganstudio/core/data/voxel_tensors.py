"""Torch datasets of voxel grids (the ``voxels`` data kind): procedural shapes and folders.

Items are ``{"voxels": (1, N, N, N) float in [0, 1], "labels": (C,) one-hot}``
(labels for procedural shapes only), N the variant's ``resolution``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from ganstudio.core.data.shapes import CLASSES, ProceduralShapes
from ganstudio.core.voxels.grid import VoxelError
from ganstudio.core.voxels.io import READ_EXTENSIONS, read_grid

__all__ = ["ProceduralShapesDataset", "VoxelFolderDataset", "resample"]

#: a voxel folder holds at most this many files (each is read at open)
MAX_FILES = 200_000


def resample(grid: np.ndarray, size: int) -> np.ndarray:
    """A grid at ``size``³: centred in a cube (padding the short sides), then resampled."""
    side = max(grid.shape)
    if grid.shape != (side, side, side):
        cube = np.zeros((side, side, side), np.float32)
        starts = [(side - s) // 2 for s in grid.shape]
        cube[tuple(slice(a, a + s) for a, s in zip(starts, grid.shape, strict=True))] = grid
        grid = cube
    if side == size:
        return grid.astype(np.float32)
    t = torch.from_numpy(np.ascontiguousarray(grid, np.float32))[None, None]
    mode = "area" if side > size else "trilinear"
    kwargs = {} if mode == "area" else {"align_corners": False}
    out = torch.nn.functional.interpolate(t, size=(size,) * 3, mode=mode, **kwargs)
    return out[0, 0].numpy()


class ProceduralShapesDataset(Dataset[dict[str, torch.Tensor]]):
    """``procedural:shapes`` as tensors; label order is ``class=chair``, ``class=table`` …"""

    def __init__(self, size: int = 32, count: int = 6000, seed: int = 0) -> None:
        self.shapes = ProceduralShapes(size=size, count=count, seed=seed)
        self.label_names = [f"class={c}" for c in CLASSES]

    def __len__(self) -> int:
        return len(self.shapes)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        shape = self.shapes[index]
        labels = torch.zeros(len(CLASSES))
        labels[shape.label] = 1.0
        return {"voxels": torch.from_numpy(shape.grid)[None], "labels": labels}  # (1, N, N, N)


class VoxelFolderDataset(Dataset[dict[str, torch.Tensor]]):
    """Every ``.binvox``/``.npy``/``.npz`` under ``root`` at ``size``³; bad files are skipped.

    Files are read once at open (voxel grids are small), so a damaged file is
    reported in ``skipped`` with its reason before training starts.
    """

    def __init__(self, root: str | os.PathLike[str], size: int = 32) -> None:
        folder = Path(root).expanduser()
        if not folder.is_dir():
            raise OSError(f"{folder}: not a folder")
        files = sorted(
            p for p in folder.rglob("*") if p.suffix.lower() in READ_EXTENSIONS and p.is_file()
        )[: MAX_FILES + 1]
        if len(files) > MAX_FILES:
            raise ValueError(f"{folder}: more than {MAX_FILES} voxel files")
        self.skipped: list[tuple[Path, str]] = []
        grids = []
        for path in files:
            try:
                grids.append(resample(read_grid(path), size))
            except VoxelError as exc:
                self.skipped.append((path, str(exc)))
        if not grids:
            found = f" ({len(self.skipped)} unreadable)" if self.skipped else ""
            raise ValueError(
                f"{folder}: no voxel grids{found} ({', '.join(READ_EXTENSIONS)} files)"
            )
        self.grids = np.stack(grids)  # (N, size, size, size)

    def __len__(self) -> int:
        return len(self.grids)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        return {"voxels": torch.from_numpy(self.grids[index])[None]}
