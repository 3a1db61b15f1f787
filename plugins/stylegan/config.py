"""StyleGAN2 config (no torch: read at discovery)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class StyleGAN2Config:
    """Karras et al. 2020 (StyleGAN2), config-E-like: skip G, residual D.

    Channels at resolution r are ``min(channel_base // r, channel_max)``, the
    rule of NVIDIA's code; rosinality's table is channel_base 16384 (channel
    multiplier 1) or 32768 (multiplier 2) with channel_max 512.
    """

    resolution: int = 64
    z_dim: int = 256
    w_dim: int = 256
    mapping_layers: int = 8
    mapping_lr_mul: float = 0.01
    channel_base: int = 8192
    channel_max: int = 256
    channels: int = 3
    lr: float = 2e-3
    beta1: float = 0.0
    beta2: float = 0.99
    r1_gamma: float = 1.0
    r1_every: int = 16
    mixing_prob: float = 0.9
    w_avg_beta: float = 0.995

    def validate(self) -> None:
        r = self.resolution
        if r < 32 or r > 1024 or r & (r - 1):
            raise ValueError(f"resolution must be a power of two in [32, 1024], got {r}")
        if (
            min(
                self.z_dim,
                self.w_dim,
                self.mapping_layers,
                self.channel_base,
                self.channel_max,
                self.r1_every,
            )
            < 1
        ):
            raise ValueError(
                "z_dim, w_dim, mapping_layers, channel_base, channel_max and "
                "r1_every must be positive"
            )
        if self.channels not in (1, 3):
            raise ValueError("channels must be 1 or 3")
        if not 0.0 <= self.mixing_prob <= 1.0:
            raise ValueError("mixing_prob must be in [0, 1]")

    def channels_at(self, res: int) -> int:
        return max(1, min(self.channel_base // res, self.channel_max))
