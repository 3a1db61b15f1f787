"""FID and KID with a pluggable feature extractor.

Real FID needs Inception-v3 features; we never download weights, so
:class:`InceptionFeatures` takes a local torchvision ``inception_v3`` weights
file when the user has one.  Without it, :class:`PixelFeatures` (images
down-sampled to 16×16) gives a Fréchet distance in pixel space: cruder, but
honest and dependency-free — good for "did training improve?" checks.
Numbers from different extractors are not comparable; reports name theirs.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Protocol

import numpy as np
import torch
import torch.nn.functional as F


class FeatureExtractor(Protocol):
    name: str

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        """(N, C, H, W) in [-1, 1] → (N, D) features."""


class PixelFeatures:
    """Area-downsampled pixels: a cheap, weight-free stand-in for Inception."""

    def __init__(self, size: int = 16) -> None:
        self.size = size
        self.name = f"pixels{size}"

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        x = images.float()
        if x.size(1) == 1:
            x = x.expand(-1, 3, -1, -1)
        x = F.adaptive_avg_pool2d(x, self.size)  # (N, 3, s, s)
        return x.flatten(1)


class InceptionFeatures:
    """Pool3 features of torchvision's Inception-v3 from a local weights file."""

    name = "inception-v3"

    def __init__(self, weights: str | os.PathLike[str], device: str = "cpu") -> None:
        from torchvision.models import inception_v3

        net = inception_v3(weights=None, aux_logits=True, init_weights=False)
        state = torch.load(weights, map_location="cpu", weights_only=True)
        net.load_state_dict(state)
        net.fc = torch.nn.Identity()
        self.net = net.eval().to(device)
        self.device = device

    @torch.no_grad()
    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        x = images.float().to(self.device)
        if x.size(1) == 1:
            x = x.expand(-1, 3, -1, -1)
        x = F.interpolate(x, size=(299, 299), mode="bilinear", align_corners=False)
        mean = torch.tensor([0.485, 0.456, 0.406], device=x.device).view(1, 3, 1, 1)
        std = torch.tensor([0.229, 0.224, 0.225], device=x.device).view(1, 3, 1, 1)
        x = ((x + 1) / 2 - mean) / std
        return self.net(x).cpu()  # (N, 2048)


@torch.no_grad()
def features(extractor: FeatureExtractor, batches: Iterable[torch.Tensor]) -> np.ndarray:
    return torch.cat([extractor(b) for b in batches]).double().numpy()


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """‖μa−μb‖² + Tr(Σa + Σb − 2(ΣaΣb)^½), via eigenvalues of ΣaΣb (real, ≥ 0)."""
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    eig = np.linalg.eigvals(cov_a @ cov_b)
    trace_sqrt = np.sqrt(np.clip(eig.real, 0, None)).sum()
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a) + np.trace(cov_b) - 2 * trace_sqrt)


def kernel_distance(
    a: np.ndarray, b: np.ndarray, subsets: int = 10, size: int = 200, seed: int = 0
) -> float:
    """KID: unbiased MMD² with the cubic polynomial kernel, averaged over subsets."""
    rng = np.random.default_rng(seed)
    d = a.shape[1]
    m = min(size, len(a), len(b))
    total = 0.0
    for _ in range(subsets):
        x = a[rng.choice(len(a), m, replace=False)]
        y = b[rng.choice(len(b), m, replace=False)]
        kxx = (x @ x.T / d + 1) ** 3
        kyy = (y @ y.T / d + 1) ** 3
        kxy = (x @ y.T / d + 1) ** 3
        total += (
            (kxx.sum() - np.trace(kxx)) / (m * (m - 1))
            + (kyy.sum() - np.trace(kyy)) / (m * (m - 1))
            - 2 * kxy.mean()
        )
    return float(total / subsets)


def fid(
    real: torch.Tensor,
    fake: torch.Tensor,
    extractor: FeatureExtractor | None = None,
    batch: int = 256,
) -> float:
    """FID between two image tensors (N, C, H, W) in [-1, 1]."""
    ext = extractor or PixelFeatures()
    fa = features(ext, real.split(batch))
    fb = features(ext, fake.split(batch))
    return frechet_distance(fa, fb)
