"""Inputs and results of kinds other than images: reading one file, writing one result.

An action declares what it takes (``Action.input_kind``) and gives
(``Action.output_kind``); images have their own pipeline (:mod:`.image_input`,
:mod:`.imaging`).  For the other kinds this module is the one place that says
which files a kind reads, how one file becomes the action's ``inputs``, and how
a result is written to the file the user named -- so ``ganstudio run``,
``ganstudio batch`` and the GUI read and write them the same way.
Adding a kind is an entry in :data:`INPUT_FILES` / :data:`OUTPUT_FILES`.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ganstudio.core.image_input import DEFAULT_MAX_INPUT_BYTES, InputError, read_input_bytes

__all__ = [
    "INPUT_FILES",
    "OUTPUT_FILES",
    "InputFiles",
    "OutputFiles",
    "input_files",
    "output_files",
    "read_action_input",
    "write_result",
]


@dataclass(frozen=True)
class InputFiles:
    """How files become an action's input of one kind."""

    kind: str
    #: the file extensions a folder is scanned for (lower case, with the dot)
    extensions: tuple[str, ...]
    #: ``decode(data, suffix)`` → the value put in ``inputs[kind]``; raises ``ValueError``
    decode: Callable[[bytes, str], Any]
    #: what the files are called in messages ("voxel grids")
    noun: str


@dataclass(frozen=True)
class OutputFiles:
    """How a result of one output kind is written."""

    kind: str
    #: extensions it can be written as; the first is the default in batch
    extensions: tuple[str, ...]
    #: ``write(target, result, images, provenance)``; raises ``ValueError`` (a UserError)
    write: Callable[[Path, Any, list[Any], Mapping[str, Any]], Path]
    #: ``provenance(path)`` of a written file, ``{}`` when the format holds none,
    #: None when the file is not complete (resume redoes it)
    provenance: Callable[[Path], dict[str, Any] | None]


def _decode_voxels(data: bytes, suffix: str) -> Any:
    from ganstudio.core.voxels.io import decode_grid

    return decode_grid(data, suffix)


def _write_voxels(
    target: Path, result: Any, images: list[Any], provenance: Mapping[str, Any]
) -> Path:
    from ganstudio.core.voxels.export import save_voxels

    info = getattr(result, "info", {}) or {}
    return save_voxels(
        target,
        result.voxels,
        images,
        provenance,
        threshold=float(info.get("threshold", 0.5)),
        smooth=float(info.get("smooth", 0.0)),
    )


def _voxel_provenance(path: Path) -> dict[str, Any] | None:
    from ganstudio.core.voxels.export import read_mesh_provenance
    from ganstudio.core.voxels.io import read_grid

    suffix = path.suffix.lower()
    try:
        if not path.is_file() or path.stat().st_size == 0:
            return None
        if suffix in (".obj", ".ply"):
            return read_mesh_provenance(path) or {}
        if suffix in (".npy", ".npz", ".binvox"):
            read_grid(path)
            return {}
        if suffix in (".png", ".gif"):
            from ganstudio.core.imaging import read_provenance

            return read_provenance(path) or {}
        return {}
    except (OSError, ValueError):
        return None


INPUT_FILES: dict[str, InputFiles] = {
    "voxels": InputFiles("voxels", (".binvox", ".npy", ".npz"), _decode_voxels, "voxel grids"),
}
OUTPUT_FILES: dict[str, OutputFiles] = {
    "voxels": OutputFiles(
        "voxels",
        (".obj", ".ply", ".stl", ".npy", ".npz", ".binvox", ".png", ".gif"),
        _write_voxels,
        _voxel_provenance,
    ),
}


def input_files(kind: str) -> InputFiles | None:
    """How files of input kind ``kind`` are read; None for ``none`` and ``image``."""
    return INPUT_FILES.get(kind)


def output_files(kind: str) -> OutputFiles | None:
    """How results of output kind ``kind`` are written; None for the image kinds."""
    return OUTPUT_FILES.get(kind)


def read_action_input(
    kind: str, path: str | os.PathLike[str], max_bytes: int = DEFAULT_MAX_INPUT_BYTES
) -> tuple[dict[str, Any], dict[str, Any]]:
    """One file → (the action's ``inputs``, info with the file's ``sha256``).

    Raises :class:`InputError` with a one-line reason (wrong extension, not a
    regular file, too large, damaged).
    """
    files = INPUT_FILES[kind]
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in files.extensions:
        raise InputError(
            f"not one of the {files.noun} this action reads ({', '.join(files.extensions)})"
        )
    data = read_input_bytes(path, max_bytes)
    try:
        value = files.decode(data, suffix)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    return {kind: value}, {"sha256": hashlib.sha256(data).hexdigest()}


def write_result(
    kind: str,
    target: str | os.PathLike[str],
    result: Any,
    images: list[Any],
    provenance: Mapping[str, Any],
) -> Path:
    """Write ``result`` (an ``ActionResult`` of output kind ``kind``) to ``target``."""
    return OUTPUT_FILES[kind].write(Path(target).expanduser(), result, images, provenance)
