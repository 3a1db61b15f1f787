"""Torch adapters for the data sources: PIL <-> tensors and ``Dataset`` wrappers.

This is the only module of ``ganstudio.core.data`` that imports torch, so
scanning folders and drawing faces stay fast to import (the GUI lists data
sources before torch has loaded). Images become float tensors in [-1, 1], the
range of a tanh generator.
"""

from __future__ import annotations

import os

import numpy as np
import torch
from PIL import Image
from torch.utils.data import Dataset

from ganstudio.core.data.clips import ProceduralFaceClips
from ganstudio.core.data.folder import ImageFolder
from ganstudio.core.data.procedural import ProceduralFaces, label_names
from ganstudio.core.imaging import tensor_to_images

__all__ = [
    "FaceClipsDataset",
    "ImageFolderDataset",
    "ProceduralFacesDataset",
    "pil_to_tensor",
    "tensor_to_pil",
]


def pil_to_tensor(image: Image.Image) -> torch.Tensor:
    """8-bit L or RGB(A) image -> float32 (C, H, W) in [-1, 1]."""
    if image.mode not in ("L", "RGB", "RGBA"):
        image = image.convert("RGB")
    arr = np.asarray(image, dtype=np.float32)  # (H, W) or (H, W, C)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    t = torch.from_numpy(arr.copy()).permute(2, 0, 1)  # (C, H, W)
    return t.div_(127.5).sub_(1.0)


def tensor_to_pil(tensor: torch.Tensor) -> Image.Image:
    """(C, H, W) or (H, W) in [-1, 1] -> L (1 channel), RGB (3) or RGBA (4); clamps."""
    t = tensor.detach().to("cpu", torch.float32)
    if t.ndim == 2:
        t = t[None]
    if t.ndim != 3 or t.shape[0] not in (1, 3, 4):
        shape = tuple(tensor.shape)
        raise ValueError(f"expected (C, H, W) with C in 1, 3, 4, or (H, W); got {shape}")
    return tensor_to_images(t)[0]


class ProceduralFacesDataset(Dataset[dict[str, torch.Tensor]]):
    """Procedural faces as ``{"image": (3,H,W), "sketch": (1,H,W), "labels": (L,)}``.

    Label order is ``procedural.label_names()``.
    """

    def __init__(self, size: int = 64, count: int = 10000, seed: int = 0) -> None:
        self.faces = ProceduralFaces(size=size, count=count, seed=seed)
        #: what each entry of ``labels`` means; the Trainer hands it to routines
        self.label_names: list[str] = label_names()

    def __len__(self) -> int:
        return len(self.faces)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        face = self.faces[index]
        return {
            "image": pil_to_tensor(face.image),  # (3, H, W)
            "sketch": pil_to_tensor(face.sketch),  # (1, H, W)
            "labels": torch.from_numpy(face.label_vector.copy()),  # (L,)
        }


class FaceClipsDataset(Dataset[dict[str, torch.Tensor]]):
    """Moving procedural faces as ``{"video": (3, T, H, W)}`` in [-1, 1] (data kind "video").

    A clip takes a few milliseconds per frame to draw, so small sets (up to
    ``CACHE_BYTES`` of 8-bit pixels) keep each clip once drawn: an epoch after
    the first costs nothing.
    """

    CACHE_BYTES = 256 << 20

    def __init__(
        self,
        size: int = 32,
        count: int = 1000,
        seed: int = 0,
        frames: int = 8,
        motion: str = "mixed",
    ) -> None:
        self.clips = ProceduralFaceClips(size, count, seed, frames, motion)
        fits = count * frames * size * size * 3 <= self.CACHE_BYTES
        self._cache: dict[int, np.ndarray] | None = {} if fits else None

    def __len__(self) -> int:
        return len(self.clips)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        arr = self._cache.get(index) if self._cache is not None else None
        if arr is None:
            clip = self.clips[index]
            arr = np.stack([np.asarray(f.convert("RGB")) for f in clip.frames])  # (T, H, W, 3)
            if self._cache is not None:
                self._cache[index] = arr
        video = torch.from_numpy(arr).permute(3, 0, 1, 2).float()  # (3, T, H, W)
        return {"video": video.div_(127.5).sub_(1.0)}


class ImageFolderDataset(Dataset[dict[str, torch.Tensor]]):
    """A user's image folder as ``{"image": (3, size, size)}`` in [-1, 1]."""

    def __init__(
        self, root: str | os.PathLike[str], size: int = 64, recursive: bool = True
    ) -> None:
        self.folder = ImageFolder(root, size, recursive=recursive)

    def __len__(self) -> int:
        return len(self.folder)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        return {"image": pil_to_tensor(self.folder[index])}  # (3, H, W)

    @property
    def skipped(self) -> list[tuple[os.PathLike[str], str]]:
        """Files that could not be decoded, with the reason (for the run log)."""
        return list(self.folder.skipped)
