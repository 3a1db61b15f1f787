"""Voxel files, meshes and the software renderer (issue #14): no Qt, no torch, small grids."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import numpy as np
import pytest

from ganstudio.core.data.shapes import CLASSES, ProceduralShapes
from ganstudio.core.voxels import VoxelError, grid_to_mesh, read_grid, write_grid
from ganstudio.core.voxels.export import read_mesh_provenance, save_voxels
from ganstudio.core.voxels.io import decode_binvox, encode_binvox
from ganstudio.core.voxels.mesh import mesh_bytes
from ganstudio.core.voxels.render import Camera, render_grid


def random_grid(shape=(6, 5, 4), seed=0) -> np.ndarray:
    return (np.random.default_rng(seed).random(shape) > 0.6).astype(np.float32)


# --------------------------------------------------------------------------- files


@pytest.mark.parametrize("suffix", [".binvox", ".npy", ".npz"])
def test_round_trip_keeps_every_voxel_in_place(tmp_path: Path, suffix: str) -> None:
    grid = random_grid()
    path = write_grid(tmp_path / f"g{suffix}", grid)
    back = read_grid(path)
    assert back.shape == (6, 5, 4) and back.dtype == np.float32
    np.testing.assert_array_equal(back, grid)


def test_binvox_axes_follow_binvox_rw_fix_coords() -> None:
    """The file stores x, then z, with y fastest; we index [x, y, z] (z up)."""
    header = b"#binvox 1\ndim 2 2 2\ntranslate 0 0 0\nscale 1\ndata\n"
    # file order index = x*4 + z*2 + y: voxel 1 is (x0, z0, y1), voxel 2 is (x0, z1, y0)
    body = bytes([0, 1, 1, 1, 0, 6])  # only file voxel 1 is solid
    grid = decode_binvox(header + body)
    assert grid[0, 1, 0] == 1 and grid.sum() == 1
    body = bytes([0, 2, 1, 1, 0, 5])  # only file voxel 2: z = 1, the top
    assert decode_binvox(header + body)[0, 0, 1] == 1
    assert encode_binvox(decode_binvox(header + body)).endswith(body)


HOSTILE_BINVOX = {
    "not binvox": (b"PK\x03\x04 not a voxel file at all\n", "does not start with '#binvox'"),
    "no newline": (b"#binvox 1" + b"x" * 400, "too long"),
    "binary header": (b"#binvox 1\n\xff\xfe\n", "not text"),
    "no dim": (b"#binvox 1\ndata\n\x00\x08", "no 'dim'"),
    "huge dim": (b"#binvox 1\ndim 100000 100000 100000\ndata\n\x01\xff", "1 to 256"),
    "negative dim": (b"#binvox 1\ndim -2 2 2\ndata\n\x00\x08", "1 to 256"),
    "words in dim": (b"#binvox 1\ndim a b c\ndata\n", "three whole numbers"),
    "nan scale": (b"#binvox 1\ndim 2 2 2\nscale nan\ndata\n\x00\x08", "finite"),
    "odd body": (b"#binvox 1\ndim 2 2 2\ndata\n\x00\x08\x01", "odd number"),
    "zero run": (b"#binvox 1\ndim 2 2 2\ndata\n\x00\x00\x00\x08", "length 0"),
    "short": (b"#binvox 1\ndim 2 2 2\ndata\n\x00\x05", "cut short"),
    "long": (b"#binvox 1\ndim 2 2 2\ndata\n\x00\xff\x00\xff", "runs past"),
    "value 7": (b"#binvox 1\ndim 2 2 2\ndata\n\x07\x08", "other than 0 and 1"),
    "no data line": (b"#binvox 1\ndim 2 2 2\n" + b"scale 1\n" * 20, "no 'data'"),
    "unknown line": (b"#binvox 1\nrm -rf /\ndata\n", "unknown line"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_BINVOX))
def test_a_hostile_binvox_file_is_one_clear_line(tmp_path: Path, name: str) -> None:
    data, words = HOSTILE_BINVOX[name]
    path = tmp_path / "bad.binvox"
    path.write_bytes(data)
    with pytest.raises(VoxelError) as err:
        read_grid(path)
    text = str(err.value)
    assert text.startswith("bad.binvox: ") and words in text and "\n" not in text


def test_hostile_numpy_files_are_refused(tmp_path: Path) -> None:
    cases = {
        "pickle.npy": lambda f: np.save(f, np.array([{"a": 1}], dtype=object), allow_pickle=True),
        "flat.npy": lambda f: np.save(f, np.zeros((4, 4))),
        "big.npy": lambda f: f.write(_npy_header((1000, 1000, 1000))),
        "junk.npz": lambda f: f.write(b"PK\x03\x04junk"),
        "empty.npy": lambda f: None,
    }
    for name, write in cases.items():
        with open(tmp_path / name, "wb") as fh:
            write(fh)
        with pytest.raises(VoxelError) as err:
            read_grid(tmp_path / name)
        assert str(err.value).startswith(f"{name}: ") and "\n" not in str(err.value), name


def _npy_header(shape: tuple[int, ...]) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buf, {"descr": "<f4", "fortran_order": False, "shape": shape}
    )
    return np.lib.format.magic(1, 0) + buf.getvalue()


def test_a_file_that_is_not_a_regular_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "dir.npy").mkdir()
    with pytest.raises(VoxelError, match="not a regular file"):
        read_grid(tmp_path / "dir.npy")


# --------------------------------------------------------------------------- meshes


def test_a_solid_cube_is_a_closed_outward_manifold_of_the_right_volume() -> None:
    grid = np.zeros((12, 12, 12), np.float32)
    grid[1:11, 1:11, 1:11] = 1  # 10³ voxels
    mesh = grid_to_mesh(grid)
    assert mesh.boundary_edges() == 0  # every edge shared by exactly two triangles
    # marching cubes puts the faces on the voxels' boundary and bevels edges and corners:
    # 12 edges × 10 × 1/8 are cut away, a little less than 2 %
    assert 0.98 * 1000 < mesh.volume() < 1000
    np.testing.assert_allclose(mesh.vertices.min(0), 1.0)
    np.testing.assert_allclose(mesh.vertices.max(0), 11.0)


def test_a_shape_touching_the_border_is_still_closed() -> None:
    mesh = grid_to_mesh(np.ones((4, 4, 4), np.float32), smooth=0.5)
    assert mesh.boundary_edges() == 0 and mesh.volume() > 0


def test_an_empty_grid_says_there_is_nothing_to_mesh() -> None:
    with pytest.raises(VoxelError, match="empty at threshold 0.5.*lower the threshold"):
        grid_to_mesh(np.full((8, 8, 8), 0.2, np.float32))


def test_mesh_files_hold_the_mesh() -> None:
    grid = np.zeros((6, 6, 6), np.float32)
    grid[2:4, 2:4, 1:5] = 1
    mesh = grid_to_mesh(grid)
    f, v = len(mesh.faces), len(mesh.vertices)
    stl = mesh_bytes(mesh, ".stl")
    assert struct.unpack("<I", stl[80:84])[0] == f and len(stl) == 84 + 50 * f
    ply = mesh_bytes(mesh, ".ply")
    assert f"element vertex {v}\n".encode() in ply and f"element face {f}\n".encode() in ply
    obj = mesh_bytes(mesh, ".obj").decode()
    assert obj.count("\nv ") + obj.startswith("v ") == v and obj.count("\nf ") == f
    # .obj is y-up: the tall axis (z here) becomes the obj's y
    ys = [float(line.split()[2]) for line in obj.splitlines() if line.startswith("v ")]
    assert max(ys) - min(ys) == pytest.approx(4.0)


def test_an_exported_mesh_records_how_it_was_made(tmp_path: Path) -> None:
    grid = np.zeros((6, 6, 6), np.float32)
    grid[1:5, 1:5, 1:5] = 1
    prov = {"action": "voxel-preview", "params": {"seed": 3}}
    save_voxels(tmp_path / "s.obj", grid, provenance=prov)
    assert read_mesh_provenance(tmp_path / "s.obj") == prov
    with pytest.raises(VoxelError, match="holds 2 shapes"):
        save_voxels(tmp_path / "two.stl", np.stack([grid, grid]))


# --------------------------------------------------------------------------- rendering


def centre_of_ink(image) -> tuple[float, float]:
    alpha = np.asarray(image)[:, :, 3] > 0
    rows, cols = np.nonzero(alpha)
    return cols.mean(), rows.mean()


def test_a_single_centre_voxel_is_drawn_at_the_centre() -> None:
    grid = np.zeros((9, 9, 9), np.float32)
    grid[4, 4, 4] = 1
    for camera in (Camera(), Camera(yaw=0, pitch=0), Camera(yaw=200, pitch=-60, zoom=2)):
        image = render_grid(grid, camera, size=64)
        x, y = centre_of_ink(image)
        assert abs(x - 32) < 1 and abs(y - 32) < 1, camera
        covered = (np.asarray(image)[:, :, 3] > 0).mean()
        assert 0 < covered < 0.05  # a small blob, not the whole picture


def test_the_picture_is_upright_and_not_mirrored() -> None:
    """z up is up on screen; at yaw 0 x runs to the right."""
    grid = np.zeros((9, 9, 9), np.float32)
    grid[4, 4, 8] = 1  # top
    grid[8, 4, 4] = 1  # +x
    image = np.asarray(render_grid(grid, Camera(yaw=0, pitch=0), size=90))
    rows, cols = np.nonzero(image[:, :, 3] > 0)
    top = rows < 30
    assert top.any() and abs(cols[top].mean() - 45) < 2  # the top voxel, above the centre
    right = cols > 60
    assert right.any() and abs(rows[right].mean() - 45) < 2  # the +x voxel, right of it


def test_colour_by_normal_and_by_height_differ() -> None:
    grid = np.zeros((8, 8, 8), np.float32)
    grid[2:6, 2:6, 1:7] = 1
    by_height = np.asarray(render_grid(grid, colour="height", size=48))
    by_normal = np.asarray(render_grid(grid, colour="normal", size=48))
    assert (by_height[:, :, 3] == by_normal[:, :, 3]).all()  # the same silhouette
    assert np.abs(by_height[:, :, :3].astype(int) - by_normal[:, :, :3]).mean() > 5


# --------------------------------------------------------------------------- data


def test_procedural_shapes_are_deterministic_labelled_and_upright() -> None:
    shapes = ProceduralShapes(size=16, count=12, seed=3)
    again = ProceduralShapes(size=16, count=12, seed=3)
    for i in range(12):
        a, b = shapes[i], again[i]
        np.testing.assert_array_equal(a.grid, b.grid)
        assert a.kind == CLASSES[i % len(CLASSES)] and a.grid.sum() > 0
    table = next(shapes[i] for i in range(12) if shapes[i].kind == "table").grid
    per_height = table.sum(axis=(0, 1))  # solid voxels per z layer
    assert per_height.argmax() > 16 // 2  # the table top is up
    assert not np.array_equal(shapes[0].grid, ProceduralShapes(16, 12, seed=4)[0].grid)
