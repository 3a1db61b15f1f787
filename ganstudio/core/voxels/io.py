"""Voxel files: ``.npy``, ``.npz`` and ``.binvox``, read as hostile input and written atomically.

``.binvox`` (Patrick Min's format, also read by binvox-rw-py) is a short text
header (``#binvox 1``, ``dim X Y Z``, ``translate``, ``scale``, ``data``) and then
(value, count) byte pairs run-length encoding the voxels in x-z-y order (y
fastest).  Reading fixes the axes to our (X, Y, Z), z up, as binvox-rw-py's
``fix_coords`` does.  Every file may be damaged or hostile: the header is
bounded, the declared size is checked against :data:`~.grid.MAX_SIDE` before
anything is allocated, and the runs must add up to exactly that many voxels.
Every failure is a :class:`~.grid.VoxelError` with one line saying why.
"""

from __future__ import annotations

import io
import math
import os
import zipfile
from pathlib import Path

import numpy as np

from ganstudio.core.atomic import atomic_open
from ganstudio.core.voxels.grid import MAX_SIDE, VoxelError, as_grid

__all__ = [
    "READ_EXTENSIONS",
    "WRITE_EXTENSIONS",
    "decode_binvox",
    "decode_grid",
    "encode_binvox",
    "read_grid",
    "write_grid",
]

READ_EXTENSIONS = (".binvox", ".npy", ".npz")
WRITE_EXTENSIONS = (".binvox", ".npy", ".npz")
#: a grid file is never larger than this (a 256³ float64 .npy is 128 MB)
MAX_FILE_BYTES = 8 * MAX_SIDE**3 + 4096
_MAX_HEADER_LINES = 16
_MAX_LINE = 256


# --------------------------------------------------------------------------- binvox


def decode_binvox(data: bytes) -> np.ndarray:
    """The bytes of a ``.binvox`` file → a float32 (X, Y, Z) grid (z up)."""
    pos = 0
    dims: tuple[int, int, int] | None = None
    for number in range(_MAX_HEADER_LINES):
        end = data.find(b"\n", pos, pos + _MAX_LINE + 1)
        if end < 0:
            what = (
                "ends inside its header"
                if len(data) - pos <= _MAX_LINE
                else "a header line is too long"
            )
            raise VoxelError(f"not a binvox file ({what})")
        line = data[pos:end].strip()
        pos = end + 1
        try:
            text = line.decode("ascii")
        except UnicodeDecodeError:
            raise VoxelError("not a binvox file (its header is not text)") from None
        if number == 0:
            if not text.startswith("#binvox"):
                raise VoxelError("not a binvox file (it does not start with '#binvox')")
            continue
        key, _, rest = text.partition(" ")
        if key == "dim":
            dims = _binvox_dims(rest)
        elif key in ("translate", "scale"):
            _binvox_numbers(key, rest, 3 if key == "translate" else 1)
        elif key == "data":
            break
        elif text:
            raise VoxelError(f"binvox header has an unknown line {text[:40]!r}")
    else:
        raise VoxelError("binvox header has no 'data' line")
    if dims is None:
        raise VoxelError("binvox header has no 'dim' line")
    body = np.frombuffer(data, dtype=np.uint8, offset=pos)
    total = dims[0] * dims[1] * dims[2]
    if body.size % 2:
        raise VoxelError("binvox data is cut short (an odd number of bytes)")
    values, counts = body[0::2], body[1::2]
    if counts.size and int(counts.min()) == 0:
        raise VoxelError("binvox data has a run of length 0 (damaged)")
    if values.size and int(values.max()) > 1:
        raise VoxelError("binvox data has a value other than 0 and 1 (damaged)")
    have = int(counts.sum(dtype=np.int64))
    if have != total:
        how = "is cut short" if have < total else "runs past its end"
        raise VoxelError(f"binvox data {how}: {have} voxels for dim {'×'.join(map(str, dims))}")
    flat = np.repeat(values.astype(bool), counts)
    xzy = flat.reshape(dims[0], dims[2], dims[1])  # the file's order: x, then z, y fastest
    return np.ascontiguousarray(xzy.transpose(0, 2, 1)).astype(np.float32)


def _binvox_dims(text: str) -> tuple[int, int, int]:
    parts = text.split()
    try:
        dims = tuple(int(p) for p in parts)
    except ValueError:
        raise VoxelError(f"binvox 'dim' is not three whole numbers: {text[:40]!r}") from None
    if len(dims) != 3 or not all(1 <= d <= MAX_SIDE for d in dims):
        raise VoxelError(f"binvox 'dim {text[:40]}': need three sides from 1 to {MAX_SIDE}")
    return dims  # type: ignore[return-value]


def _binvox_numbers(key: str, text: str, count: int) -> None:
    try:
        values = [float(p) for p in text.split()]
    except ValueError:
        raise VoxelError(f"binvox '{key}' is not numbers: {text[:40]!r}") from None
    if len(values) != count or not all(math.isfinite(v) for v in values):
        raise VoxelError(f"binvox '{key}' needs {count} finite number(s), got {text[:40]!r}")


def encode_binvox(grid: np.ndarray, threshold: float = 0.5) -> bytes:
    """A grid → ``.binvox`` bytes (solid where occupancy ≥ ``threshold``; unit scale)."""
    solid = as_grid(grid) >= threshold
    x, y, z = solid.shape
    flat = solid.transpose(0, 2, 1).reshape(-1).astype(np.uint8)  # x, z, y fastest
    change = np.flatnonzero(np.diff(flat)) + 1
    starts = np.concatenate([[0], change])
    lengths = np.diff(np.concatenate([starts, [flat.size]]))
    values = flat[starts]
    # runs longer than 255 are split into pieces of 255 and a rest
    pieces = (lengths + 254) // 255
    run_values = np.repeat(values, pieces)
    run_counts = np.full(int(pieces.sum()), 255, dtype=np.int64)
    last = np.cumsum(pieces) - 1
    run_counts[last] = lengths - 255 * (pieces - 1)
    pairs = np.stack([run_values, run_counts.astype(np.uint8)], axis=1).reshape(-1)
    header = f"#binvox 1\ndim {x} {y} {z}\ntranslate 0 0 0\nscale 1\ndata\n".encode("ascii")
    return header + pairs.astype(np.uint8).tobytes()


# --------------------------------------------------------------------------- numpy


def _decode_npy(data: bytes) -> np.ndarray:
    buf = io.BytesIO(data)
    try:
        version = np.lib.format.read_magic(buf)
        shape, _, dtype = (
            np.lib.format.read_array_header_1_0(buf, max_header_size=10_000)
            if version == (1, 0)
            else np.lib.format.read_array_header_2_0(buf, max_header_size=10_000)
        )
    except Exception as exc:  # noqa: BLE001 - any parse failure means "not an .npy"
        raise VoxelError(f"not a NumPy .npy file ({_reason(exc)})") from None
    _check_shape(shape)
    if dtype.hasobject:
        raise VoxelError("the .npy holds Python objects; only numbers are read")
    buf.seek(0)
    try:
        arr = np.load(buf, allow_pickle=False)
    except Exception as exc:  # noqa: BLE001
        raise VoxelError(f"damaged .npy file ({_reason(exc)})") from None
    return as_grid(arr, "the .npy array")


def _decode_npz(data: bytes) -> np.ndarray:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = [n for n in archive.namelist() if n.endswith(".npy")]
    except Exception as exc:  # noqa: BLE001
        raise VoxelError(f"not a NumPy .npz file ({_reason(exc)})") from None
    if not names:
        raise VoxelError("the .npz holds no arrays")
    preferred = [n for n in names if n in ("voxels.npy", "grid.npy")] or names
    name = preferred[0]
    if len(preferred) > 1 and len(names) > 1:
        listed = ", ".join(n[:-4] for n in names[:5])
        raise VoxelError(f"the .npz holds several arrays ({listed}); name one 'voxels'")
    if archive.getinfo(name).file_size > MAX_FILE_BYTES:
        raise VoxelError(f"the .npz array {name[:-4]!r} unpacks to more than a {MAX_SIDE}³ grid")
    try:
        inner = archive.read(name)
    except Exception as exc:  # noqa: BLE001
        raise VoxelError(f"damaged .npz file ({_reason(exc)})") from None
    return _decode_npy(inner)


def _check_shape(shape: tuple[int, ...]) -> None:
    dims = [d for d in shape]
    while len(dims) > 3 and dims[0] == 1:
        dims = dims[1:]
    if len(dims) != 3:
        raise VoxelError(f"the array has shape {tuple(shape)}; a voxel grid is X×Y×Z")
    if not all(1 <= d <= MAX_SIDE for d in dims):
        raise VoxelError(f"the array is {'×'.join(map(str, dims))}; sides must be 1 to {MAX_SIDE}")


def _reason(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:120]


# --------------------------------------------------------------------------- by extension


def decode_grid(data: bytes, suffix: str) -> np.ndarray:
    """A file's bytes → a grid, by its extension (``.binvox``, ``.npy``, ``.npz``)."""
    suffix = suffix.lower()
    if suffix == ".binvox":
        return decode_binvox(data)
    if suffix == ".npy":
        return _decode_npy(data)
    if suffix == ".npz":
        return _decode_npz(data)
    raise VoxelError(
        f"cannot read {suffix or 'files without an extension'} as voxels "
        f"(use {', '.join(READ_EXTENSIONS)})"
    )


def read_grid(path: str | os.PathLike[str], max_bytes: int = MAX_FILE_BYTES) -> np.ndarray:
    """Read a voxel file as hostile input: regular files only, size-limited, one-line errors."""
    from ganstudio.core.image_input import InputError, read_input_bytes

    path = Path(path)
    if path.suffix.lower() not in READ_EXTENSIONS:
        decode_grid(b"", path.suffix)  # raises the "cannot read" line
    try:
        data = read_input_bytes(path, max_bytes)
    except InputError as exc:
        raise VoxelError(f"{path.name}: {exc}") from None
    try:
        return decode_grid(data, path.suffix)
    except VoxelError as exc:
        raise VoxelError(f"{path.name}: {exc}") from None


def write_grid(path: str | os.PathLike[str], grid: np.ndarray, threshold: float = 0.5) -> Path:
    """Write a grid atomically: ``.npy``/``.npz`` keep occupancy, ``.binvox`` thresholds it."""
    path = Path(path).expanduser()
    g = as_grid(grid)
    suffix = path.suffix.lower()
    if suffix not in WRITE_EXTENSIONS:
        raise VoxelError(
            f"{path.name}: cannot write {suffix or 'no extension'} as voxels "
            f"(use {', '.join(WRITE_EXTENSIONS)})"
        )
    with atomic_open(path, "wb") as fh:
        if suffix == ".binvox":
            fh.write(encode_binvox(g, threshold))
        elif suffix == ".npy":
            np.save(fh, g, allow_pickle=False)
        else:
            np.savez_compressed(fh, voxels=g)
    return path
