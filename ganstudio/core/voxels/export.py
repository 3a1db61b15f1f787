"""A voxel result to the file the user named: mesh, grid, turntable picture or rotation.

One function for ``ganstudio run``, ``ganstudio batch`` and the viewer's Export, so
the three write the same files.  By extension:

* ``.obj`` / ``.ply`` / ``.stl``: the marching-cubes mesh (``.obj`` and ``.ply``
  carry the provenance as a comment line, ``ganstudio: {json}``);
* ``.npy`` / ``.npz`` / ``.binvox``: the grid (``.binvox`` thresholded);
* ``.png``: a turntable strip (four views), or the views of several shapes;
* ``.gif``: a rotation, or the walk through several shapes.

A mesh or a ``.binvox`` holds one shape: asking for one from several is refused.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ganstudio.core.voxels.grid import VoxelError, as_grid
from ganstudio.core.voxels.io import WRITE_EXTENSIONS, write_grid
from ganstudio.core.voxels.mesh import MESH_EXTENSIONS, grid_to_mesh, mesh_bytes
from ganstudio.core.voxels.render import turntable

__all__ = ["VOXEL_OUTPUTS", "as_grids", "read_mesh_provenance", "save_voxels"]

#: every extension a voxel result can be written as
VOXEL_OUTPUTS = (*MESH_EXTENSIONS, *WRITE_EXTENSIONS, ".png", ".gif")
_TAG = "ganstudio: "


def as_grids(voxels: Any) -> list[np.ndarray]:
    """``ActionResult.voxels`` ((X, Y, Z) or (N, X, Y, Z)) → a list of checked grids."""
    if voxels is None:
        raise VoxelError("the result holds no voxel grid")
    if hasattr(voxels, "detach"):
        voxels = voxels.detach().to("cpu").float().numpy()
    arr = np.asarray(voxels)
    if arr.ndim == 4 or (arr.ndim == 5 and arr.shape[1] == 1):
        return [as_grid(g, f"shape {i}") for i, g in enumerate(arr)]
    return [as_grid(arr, "the result")]


def save_voxels(
    target: str | os.PathLike[str],
    voxels: Any,
    views: Sequence[Any] = (),
    provenance: Mapping[str, Any] | None = None,
    threshold: float = 0.5,
    smooth: float = 0.0,
) -> Path:
    """Write a voxel result by ``target``'s extension (see the module doc); atomic."""
    from ganstudio.core.atomic import atomic_open
    from ganstudio.core.imaging import make_grid, save_image

    target = Path(target).expanduser()
    suffix = target.suffix.lower()
    if suffix not in VOXEL_OUTPUTS:
        raise VoxelError(f"{target.name}: a voxel result is written as {', '.join(VOXEL_OUTPUTS)}")
    grids = as_grids(voxels)
    many = len(grids) > 1
    if suffix in (".npy", ".npz") and many:
        with atomic_open(target, "wb") as fh:
            if suffix == ".npy":
                np.save(fh, np.stack(grids), allow_pickle=False)
            else:
                np.savez_compressed(fh, voxels=np.stack(grids))
        return target
    if many and suffix not in (".png", ".gif"):
        raise VoxelError(
            f"the result holds {len(grids)} shapes; {suffix} holds one "
            "(write .png, .gif, .npy or .npz, or make one shape)"
        )
    if suffix in WRITE_EXTENSIONS:
        return write_grid(target, grids[0], threshold)
    if suffix in MESH_EXTENSIONS:
        mesh = grid_to_mesh(grids[0], threshold, smooth)
        comment = (
            _TAG + json.dumps(dict(provenance), sort_keys=True, default=str) if provenance else ""
        )
        if suffix == ".stl":
            comment = "GAN Studio voxel mesh"
        data = mesh_bytes(mesh, suffix, comment)
        with atomic_open(target, "wb") as fh:
            fh.write(data)
        return target
    if many:
        frames = [v.convert("RGB") if v.mode == "RGBA" else v for v in _on_white(views)]
        if not frames:
            frames = [
                f.convert("RGB")
                for g in grids
                for f in turntable(g, 1, 192, threshold=threshold, smooth=smooth)
            ]
        image: Any = frames if suffix == ".gif" else make_grid(frames, columns=len(frames))
        return save_image(target, image, provenance)
    count = 4 if suffix == ".png" else 24
    frames = [
        f.convert("RGB")
        for f in turntable(grids[0], count, 192, threshold=threshold, smooth=smooth)
    ]
    image = frames if suffix == ".gif" else make_grid(frames, columns=count)
    return save_image(target, image, provenance, duration_ms=60)


def _on_white(views: Sequence[Any]) -> list[Any]:
    from PIL import Image

    out = []
    for v in views:
        if v.mode == "RGBA":
            white = Image.new("RGBA", v.size, (255, 255, 255, 255))
            v = Image.alpha_composite(white, v)
        out.append(v)
    return out


def read_mesh_provenance(
    path: str | os.PathLike[str], limit: int = 4 << 20
) -> dict[str, Any] | None:
    """The provenance an ``.obj``/``.ply`` we wrote carries (None if it has none)."""
    with open(path, "rb") as fh:
        head = fh.read(limit)
    for raw in head.split(b"\n", 64)[:64]:
        line = raw.decode("utf-8", "replace").removeprefix("# ").removeprefix("comment ")
        if line.startswith(_TAG):
            try:
                value = json.loads(line[len(_TAG) :])
            except ValueError:
                return None
            return value if isinstance(value, dict) else None
    return None
