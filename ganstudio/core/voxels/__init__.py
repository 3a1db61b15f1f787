"""Voxel grids: reading and writing them, meshing, and a software renderer (no Qt, no torch).

Conventions every part of GAN Studio keeps (the 3D-GAN, the viewer, the exporters):

* a grid is a float32 NumPy array ``(X, Y, Z)`` of occupancy in [0, 1], indexed
  ``grid[x, y, z]``: x to the right, y away from the viewer, **z up** (the
  convention of ``.binvox`` files read with their axes fixed, and of ModelNet);
  a voxel at index ``i`` covers ``[i, i + 1)`` in mesh units;
* a model carries a batch as ``(B, 1, X, Y, Z)`` (the ``voxels`` data kind);
* a voxel is solid where its occupancy is at or above a threshold (0.5 unless the
  user moves the viewer's slider).

Submodules: :mod:`.grid` (checks), :mod:`.io` (``.npy``/``.npz``/``.binvox``),
:mod:`.mesh` (marching cubes and ``.obj``/``.ply``/``.stl``), :mod:`.render`
(the software rasteriser) and :mod:`.export` (one result to the file the user named).
This package is part of the plugin contract (plugins/README.md).
"""

from __future__ import annotations

from ganstudio.core.voxels.grid import MAX_SIDE, VoxelError, as_grid
from ganstudio.core.voxels.io import READ_EXTENSIONS, read_grid, write_grid
from ganstudio.core.voxels.mesh import MESH_EXTENSIONS, Mesh, grid_to_mesh, write_mesh
from ganstudio.core.voxels.render import Camera, render_grid, render_mesh, turntable

__all__ = [
    "MAX_SIDE",
    "MESH_EXTENSIONS",
    "READ_EXTENSIONS",
    "Camera",
    "Mesh",
    "VoxelError",
    "as_grid",
    "grid_to_mesh",
    "read_grid",
    "render_grid",
    "render_mesh",
    "turntable",
    "write_grid",
    "write_mesh",
]
