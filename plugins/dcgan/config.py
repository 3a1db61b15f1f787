"""Configs of the fully-connected GAN and DCGAN (no torch: read at discovery)."""

from __future__ import annotations

from dataclasses import dataclass

from ganstudio.core.specs import STABILISERS, StabiliserConfig

#: every stabiliser of the contract: the routine calls the shared driver at each point
SUPPORTED_STABILISERS = frozenset(STABILISERS)


def _check_resolution(resolution: int, low: int, high: int) -> None:
    if resolution < low or resolution > high or resolution & (resolution - 1):
        raise ValueError(f"resolution must be a power of two in [{low}, {high}], got {resolution}")


@dataclass
class DCGANConfig(StabiliserConfig):
    """Radford et al. 2015: strided (transposed) convs, batchnorm, ReLU/LeakyReLU, tanh."""

    resolution: int = 64
    z_dim: int = 100
    width: int = 64  # ngf = ndf: channels of the last G / first D layer
    channels: int = 3
    lr: float = 2e-4
    beta1: float = 0.5
    beta2: float = 0.999
    objective: str = "bce"

    def validate(self) -> None:
        _check_resolution(self.resolution, 32, 256)
        if self.z_dim < 1 or self.width < 1 or self.channels not in (1, 3):
            raise ValueError("z_dim and width must be positive; channels 1 or 3")
        self.check_stabilisers()


@dataclass
class MLPGANConfig(StabiliserConfig):
    """The original fully-connected GAN (Goodfellow et al. 2014)."""

    resolution: int = 32
    z_dim: int = 100
    hidden: int = 512
    channels: int = 3
    lr: float = 2e-4
    beta1: float = 0.5
    beta2: float = 0.999
    objective: str = "bce"

    def validate(self) -> None:
        _check_resolution(self.resolution, 8, 128)
        if self.z_dim < 1 or self.hidden < 8 or self.channels not in (1, 3):
            raise ValueError("z_dim ≥ 1, hidden ≥ 8, channels 1 or 3")
        self.check_stabilisers()
