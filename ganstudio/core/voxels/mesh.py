"""Voxel grid → triangle mesh (marching cubes) and the mesh formats a 3D tool opens.

The grid is padded with one empty voxel on every side before scikit-image's
marching cubes, so a shape touching the border is still closed: a solid
shape always gives a watertight, consistently oriented surface (outward
normals).  ``smooth`` blurs the occupancy first (a Gaussian of that many
voxels), which rounds the staircase without opening the surface.

Mesh units are voxels: voxel ``i`` spans ``[i, i + 1)``, so a grid of side N
fills ``[0, N]³``.  ``.obj`` is written Y-up (what Blender's and most OBJ
importers expect), ``.ply`` and ``.stl`` Z-up (their importers' default), so
all three open upright in Blender.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ganstudio.core.atomic import atomic_open
from ganstudio.core.voxels.grid import VoxelError, as_grid

__all__ = ["MESH_EXTENSIONS", "Mesh", "grid_to_mesh", "write_mesh"]

MESH_EXTENSIONS = (".obj", ".ply", ".stl")


@dataclass(frozen=True)
class Mesh:
    """Triangles: ``vertices`` (V, 3) float32 in voxel units (x, y, z; z up), ``faces``
    (F, 3) int32 counter-clockwise seen from outside, ``normals`` (V, 3) outward."""

    vertices: np.ndarray
    faces: np.ndarray
    normals: np.ndarray

    def face_normals(self) -> np.ndarray:
        """Unit outward normal per face (F, 3)."""
        v = self.vertices[self.faces]  # (F, 3 corners, 3)
        n = np.cross(v[:, 1] - v[:, 0], v[:, 2] - v[:, 0])
        return n / np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-12)

    def volume(self) -> float:
        """Signed volume (divergence theorem); positive for a closed outward-facing mesh."""
        v = self.vertices[self.faces].astype(np.float64)
        return float(np.einsum("ij,ij->i", v[:, 0], np.cross(v[:, 1], v[:, 2])).sum() / 6.0)

    def boundary_edges(self) -> int:
        """Edges not shared by exactly two faces (0 for a closed 2-manifold)."""
        f = self.faces
        edges = np.concatenate([f[:, [0, 1]], f[:, [1, 2]], f[:, [2, 0]]])
        edges.sort(axis=1)
        _, counts = np.unique(edges, axis=0, return_counts=True)
        return int((counts != 2).sum())


def grid_to_mesh(grid: np.ndarray, threshold: float = 0.5, smooth: float = 0.0) -> Mesh:
    """The surface of the solid part of ``grid`` (occupancy ≥ ``threshold``).

    Raises :class:`VoxelError` when nothing is solid (an empty shape has no surface).
    """
    from skimage.measure import marching_cubes

    g = as_grid(grid)
    if not 0.0 < threshold < 1.0:
        raise VoxelError(f"threshold {threshold} must be between 0 and 1 (exclusive)")
    if smooth < 0 or smooth > 8:
        raise VoxelError(f"smooth {smooth} must be from 0 to 8 voxels")
    if not (g >= threshold).any():
        peak = float(g.max()) if g.size else 0.0
        raise VoxelError(
            f"the grid is empty at threshold {threshold:g} (highest occupancy {peak:.2f}): "
            "nothing to mesh; lower the threshold"
        )
    field = np.pad(g, 1)
    if smooth > 0:
        from scipy.ndimage import gaussian_filter

        field = gaussian_filter(field, sigma=smooth, mode="constant")
        if not (field >= threshold).any():
            raise VoxelError(
                f"smoothing by {smooth:g} leaves nothing at threshold {threshold:g}: "
                "smooth less or lower the threshold"
            )
        field = np.pad(field, 1)  # the blur reached the border: keep the surface closed
        pad = 2
    else:
        pad = 1
    verts, faces, normals, _ = marching_cubes(field, level=threshold)
    # padded sample i sits at the centre of voxel i - pad, i.e. at i - pad + 0.5
    verts = (verts - pad + 0.5).astype(np.float32)
    # scikit-image winds triangles with their normals down the gradient, into the
    # solid for occupancy: reversed, they face outward (its vertex normals already do)
    faces = np.ascontiguousarray(faces[:, ::-1]).astype(np.int32)
    return Mesh(verts, faces, normals.astype(np.float32))


# --------------------------------------------------------------------------- writers


def _y_up(v: np.ndarray) -> np.ndarray:
    """(x, y, z) with z up → (x, z, -y) with y up: the same shape, upright in OBJ importers."""
    return np.stack([v[:, 0], v[:, 2], -v[:, 1]], axis=1)


def _obj_bytes(mesh: Mesh, comment: str) -> bytes:
    lines = [f"# {line}" for line in comment.splitlines()] if comment else []
    head = ("\n".join(lines) + "\n") if lines else ""
    v = _y_up(mesh.vertices)
    n = _y_up(mesh.normals)
    parts = [head.encode("utf-8")]
    parts.append("".join(f"v {a:.5g} {b:.5g} {c:.5g}\n" for a, b, c in v).encode())
    parts.append("".join(f"vn {a:.4g} {b:.4g} {c:.4g}\n" for a, b, c in n).encode())
    f = mesh.faces + 1
    parts.append("".join(f"f {a}//{a} {b}//{b} {c}//{c}\n" for a, b, c in f).encode())
    return b"".join(parts)


def _ply_bytes(mesh: Mesh, comment: str) -> bytes:
    comments = "".join(f"comment {line}\n" for line in comment.splitlines()) if comment else ""
    header = (
        "ply\nformat binary_little_endian 1.0\n"
        f"{comments}"
        f"element vertex {len(mesh.vertices)}\n"
        "property float x\nproperty float y\nproperty float z\n"
        "property float nx\nproperty float ny\nproperty float nz\n"
        f"element face {len(mesh.faces)}\n"
        "property list uchar int vertex_indices\nend_header\n"
    ).encode()
    verts = np.concatenate([mesh.vertices, mesh.normals], axis=1).astype("<f4")
    faces = np.zeros(len(mesh.faces), dtype=[("n", "u1"), ("i", "<i4", 3)])
    faces["n"] = 3
    faces["i"] = mesh.faces
    return header + verts.tobytes() + faces.tobytes()


def _stl_bytes(mesh: Mesh, comment: str) -> bytes:
    title = (comment.splitlines()[0] if comment else "GAN Studio voxel mesh").encode(
        "ascii", "replace"
    )
    if title.lower().startswith(b"solid"):
        title = b"mesh " + title  # a binary STL must not look like an ASCII one
    header = title[:80].ljust(80, b" ")
    rec = np.zeros(len(mesh.faces), dtype=[("n", "<f4", 3), ("v", "<f4", (3, 3)), ("a", "<u2")])
    rec["n"] = mesh.face_normals()
    rec["v"] = mesh.vertices[mesh.faces]
    return header + struct.pack("<I", len(mesh.faces)) + rec.tobytes()


def mesh_bytes(mesh: Mesh, suffix: str, comment: str = "") -> bytes:
    """The file contents of ``mesh`` as ``.obj``, ``.ply`` or ``.stl``."""
    suffix = suffix.lower()
    if suffix == ".obj":
        return _obj_bytes(mesh, comment)
    if suffix == ".ply":
        return _ply_bytes(mesh, comment)
    if suffix == ".stl":
        return _stl_bytes(mesh, comment)
    raise VoxelError(f"cannot write {suffix or 'no extension'} as a mesh (use .obj, .ply, .stl)")


def write_mesh(path: str | os.PathLike[str], mesh: Mesh, comment: str = "") -> Path:
    """Write ``mesh`` atomically by the extension of ``path``; ``comment`` goes in the header."""
    path = Path(path).expanduser()
    data = mesh_bytes(mesh, path.suffix, comment)
    with atomic_open(path, "wb") as fh:
        fh.write(data)
    return path
