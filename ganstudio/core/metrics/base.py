"""The extractor protocol, the pixel extractor, and one-call FID on tensors."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

import numpy as np
import torch
import torch.nn.functional as F


class FeatureExtractor(Protocol):
    """Images → features.  ``name`` identifies it (cache keys, reports).

    An extractor with class logits (for the Inception Score) also has
    ``features_and_logits(images) -> (features, logits)``.
    """

    name: str
    dim: int

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        """(N, C, H, W) in [-1, 1] → (N, D) features."""
        ...


class PixelFeatures:
    """Area-downsampled pixels: a cheap, weight-free stand-in (no class logits)."""

    def __init__(self, size: int = 16) -> None:
        self.size = size
        self.name = f"pixels{size}"
        self.dim = 3 * size * size

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        x = images.float()
        if x.size(1) == 1:
            x = x.expand(-1, 3, -1, -1)
        x = F.adaptive_avg_pool2d(x, self.size)  # (N, 3, s, s)
        return x.flatten(1).cpu()


def extract(
    extractor: FeatureExtractor, images: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """(features, class logits or None) of one batch."""
    both = getattr(extractor, "features_and_logits", None)
    if both is not None:
        feats, logits = both(images)
        return feats, logits
    return extractor(images), None


@torch.no_grad()
def features(extractor: FeatureExtractor, batches: Iterable[torch.Tensor]) -> np.ndarray:
    return torch.cat([extractor(b) for b in batches]).double().numpy()


def fid(
    real: torch.Tensor,
    fake: torch.Tensor,
    extractor: FeatureExtractor | None = None,
    batch: int = 256,
) -> float:
    """FID between two image tensors (N, C, H, W) in [-1, 1] (pixel features by default)."""
    from ganstudio.core.metrics.stats import frechet_distance

    ext = extractor or PixelFeatures()
    fa = features(ext, real.split(batch))
    fb = features(ext, fake.split(batch))
    return frechet_distance(fa, fb)
