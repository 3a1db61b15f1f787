"""InfoGAN's config (no torch: read at discovery)."""

from __future__ import annotations

from dataclasses import dataclass

from ganstudio.core.specs import STABILISERS, StabiliserConfig

#: all but PacGAN packing and replay: Q must read the codes of each fresh fake
SUPPORTED_STABILISERS = frozenset(STABILISERS) - {"pack", "replay"}


@dataclass
class InfoGANConfig(StabiliserConfig):
    """Chen et al. 2016: a DCGAN whose latent carries codes D's Q head must recover.

    The generator's input is ``[z | one-hot per categorical code | continuous codes]``;
    ``info_weight`` is λ of the mutual-information term, added to both the D/Q and
    the G loss.  ``learn_std`` makes Q predict a log-std for the continuous codes
    (a Gaussian NLL); off, Q regresses their means with a fixed unit std.
    """

    resolution: int = 32
    z_dim: int = 62
    categorical: tuple[int, ...] = (10,)
    continuous: int = 2
    width: int = 64  # channels of the last G / first D layer
    channels: int = 3
    info_weight: float = 1.0
    continuous_weight: float = 1.0  # relative weight of the Gaussian NLL inside the term
    learn_std: bool = False
    lr: float = 2e-4
    beta1: float = 0.5
    beta2: float = 0.999
    objective: str = "bce"

    def validate(self) -> None:
        r = self.resolution
        if r < 16 or r > 128 or r & (r - 1):
            raise ValueError(f"resolution must be a power of two in [16, 128], got {r}")
        if self.z_dim < 1 or self.width < 1 or self.channels not in (1, 3):
            raise ValueError("z_dim and width must be positive; channels 1 or 3")
        if any(k < 2 for k in self.categorical) or self.continuous < 0:
            raise ValueError("each categorical code needs ≥ 2 values; continuous ≥ 0")
        if not self.categorical and not self.continuous:
            raise ValueError("InfoGAN needs at least one categorical or continuous code")
        self.check_stabilisers()

    @property
    def code_dim(self) -> int:
        return sum(self.categorical) + self.continuous

    @property
    def latent_dim(self) -> int:
        return self.z_dim + self.code_dim


def category_param_names(config: InfoGANConfig) -> list[str]:
    """``category`` for a single categorical code, else ``category_1`` …"""
    n = len(config.categorical)
    return ["category"] if n == 1 else [f"category_{i + 1}" for i in range(n)]


def code_param_names(config: InfoGANConfig) -> list[str]:
    return [f"code_{i + 1}" for i in range(config.continuous)]
