"""ProGAN's config and its growth schedule (no torch: read at discovery)."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass
class ProGANConfig:
    """Karras et al. 2018: grow G and D from ``start_resolution`` to ``resolution``.

    The schedule counts training images: the first resolution trains for
    ``stable_images``; each later one fades in over ``fade_images`` (α 0 → 1)
    and then trains for ``stable_images`` at full strength.  The last
    resolution keeps training until the run ends.
    """

    resolution: int = 32
    start_resolution: int = 4
    z_dim: int = 128
    width: int = 128  # feature maps of the low resolutions; halved per doubling above 16 px
    min_width: int = 16
    channels: int = 3
    fade_images: int = 20_000
    stable_images: int = 20_000
    lr: float = 1e-3
    beta1: float = 0.0
    beta2: float = 0.99
    drift: float = 1e-3  # ε·D(real)² keeps the critic's scores near zero (the paper's ε_drift)
    objective: str = "wgan-gp"

    @property
    def levels(self) -> int:
        """Resolutions above the first: 4 → 32 px has three (8, 16, 32)."""
        return int(math.log2(self.resolution // self.start_resolution))

    def level_resolution(self, level: int) -> int:
        return self.start_resolution * 2**level

    def level_width(self, level: int) -> int:
        res = self.level_resolution(level)
        return max(self.min_width, min(self.width, self.width * 16 // res))

    def phase(self, images: int) -> tuple[int, float]:
        """(level, fade-in α) after ``images`` training images; α is 1 outside a fade-in."""
        t = images - self.stable_images
        if t < 0:
            return 0, 1.0
        k, r = divmod(t, self.fade_images + self.stable_images)
        if k >= self.levels:
            return self.levels, 1.0
        return k + 1, min(1.0, r / self.fade_images)

    def validate(self) -> None:
        for name, r in (
            ("resolution", self.resolution),
            ("start_resolution", self.start_resolution),
        ):
            if r < 4 or r > 256 or r & (r - 1):
                raise ValueError(f"{name} must be a power of two in [4, 256], got {r}")
        if self.start_resolution > self.resolution:
            raise ValueError("start_resolution must not exceed resolution")
        if self.fade_images < 1 or self.stable_images < 1:
            raise ValueError("fade_images and stable_images must be positive")
        if self.z_dim < 1 or self.min_width < 1 or self.width < self.min_width:
            raise ValueError("z_dim ≥ 1 and width ≥ min_width ≥ 1")
        if self.channels not in (1, 3):
            raise ValueError("channels must be 1 or 3")
