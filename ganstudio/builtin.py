"""The application's own hook implementations: the core data sources.

Registered like any plugin (source ``core``, pytest's ``default_plugins``
pattern); the data code itself lives in :mod:`ganstudio.core.data`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from ganstudio import __version__
from ganstudio.core.specs import DataRequest, DatasetSource

GANSTUDIO_API = 1

PROCEDURAL_SETS = ("faces", "face-clips", "shapes")


def parse_options(arg: str) -> tuple[str, dict[str, str]]:
    """``faces?count=500&seed=3`` → ("faces", {"count": "500", "seed": "3"})."""
    name, _, query = arg.partition("?")
    return name, dict(parse_qsl(query))


def _open_procedural(arg: str, request: DataRequest) -> Any:
    name, opts = parse_options(arg)
    if name not in PROCEDURAL_SETS:
        raise ValueError(
            f"unknown procedural set {name!r} (available: {', '.join(PROCEDURAL_SETS)})"
        )
    if (name == "face-clips") != (request.kind == "video"):
        raise ValueError(
            "face-clips are videos, for variants that train on them"
            if name == "face-clips"
            else "this variant trains on videos: use procedural:face-clips"
        )
    try:
        count = int(opts.get("count", 10000 if name == "faces" else 2000))
        seed = int(opts.get("seed", 0))
        frames = int(opts.get("frames", 8))
    except ValueError:
        raise ValueError(f"procedural:{arg}: count, seed and frames must be integers") from None
    if name == "face-clips":
        from ganstudio.core.data.tensors import FaceClipsDataset

        motion = opts.get("motion", "mixed")
        return FaceClipsDataset(request.resolution, count, seed, frames, motion)
    if (name == "shapes") != (request.kind == "voxels"):
        raise ValueError(
            "procedural:shapes are voxel shapes, for voxel variants (gan3d)"
            if name == "shapes"
            else f"procedural:{name} is images; a voxel variant trains on procedural:shapes"
        )
    if name == "shapes":
        from ganstudio.core.data.voxel_tensors import ProceduralShapesDataset

        return ProceduralShapesDataset(size=request.resolution, count=count, seed=seed)
    from ganstudio.core.data.tensors import ProceduralFacesDataset

    return ProceduralFacesDataset(size=request.resolution, count=count, seed=seed)


def _open_folder(arg: str, request: DataRequest) -> Any:
    if request.kind == "video":
        raise ValueError("a folder of images holds no clips: use procedural:face-clips")
    if request.kind == "voxels":  # a voxel variant reads .binvox/.npy/.npz files
        from ganstudio.core.data.voxel_tensors import VoxelFolderDataset

        return VoxelFolderDataset(arg, size=request.resolution)
    from ganstudio.core.data.tensors import ImageFolderDataset

    return ImageFolderDataset(arg, size=request.resolution)


def ganstudio_datasets() -> list[DatasetSource]:
    return [
        DatasetSource(
            "procedural",
            "Procedural faces",
            _open_procedural,
            kinds=frozenset({"image", "labels", "paired", "video", "voxels"}),
            description="procedural:faces[?count=N&seed=S] — deterministic stylised faces "
            "with attribute labels and matching sketches (64 or 128 px and more); "
            "procedural:face-clips[?count=N&seed=S&frames=T&motion=turn|smile|both|mixed] "
            "— short clips of those faces turning their head or smiling (videos); "
            "procedural:shapes[?count=N&seed=S] — labelled voxel shapes (chairs, tables, "
            "stools, cups, lamps, shelves) for voxel variants.",
        ),
        DatasetSource(
            "folder",
            "Image folder",
            _open_folder,
            kinds=frozenset({"image", "voxels"}),
            description="folder:PATH or just PATH — your own images, recursive "
            "(jpg/png/webp/bmp/tiff), or voxel grids (.binvox/.npy/.npz) for a voxel "
            "variant; bad files are skipped and logged.",
            handles_paths=True,
        ),
    ]


__version__ = __version__
