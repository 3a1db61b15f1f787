"""LAPGAN's config (no torch: read at discovery)."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass
class LAPGANConfig:
    """Denton et al. 2015: a coarse generator, then one conditional generator per octave.

    ``base_resolution`` is drawn from noise; each level doubles it, generating
    the band-pass residual that, added to the upsampled coarser image, gives
    the next level — up to ``resolution``.
    """

    resolution: int = 32
    base_resolution: int = 8
    z_dim: int = 64
    width: int = 64
    channels: int = 3
    lr: float = 2e-4
    beta1: float = 0.5
    beta2: float = 0.999
    objective: str = "bce"

    @property
    def levels(self) -> int:
        """Conditional levels above the coarse one: 8 → 32 px has two (16, 32)."""
        return int(math.log2(self.resolution // self.base_resolution))

    def level_resolution(self, level: int) -> int:
        return self.base_resolution * 2**level

    @property
    def resolutions(self) -> tuple[int, ...]:
        return tuple(self.level_resolution(k) for k in range(self.levels + 1))

    def validate(self) -> None:
        for name, r in (("resolution", self.resolution), ("base_resolution", self.base_resolution)):
            if r < 4 or r > 256 or r & (r - 1):
                raise ValueError(f"{name} must be a power of two in [4, 256], got {r}")
        if self.base_resolution >= self.resolution:
            raise ValueError("base_resolution must be below resolution (at least one level)")
        if self.z_dim < 1 or self.width < 1 or self.channels not in (1, 3):
            raise ValueError("z_dim and width must be positive; channels 1 or 3")
