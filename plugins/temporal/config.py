"""Config of the temporal GAN (no torch: read at discovery)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class TemporalGANConfig:
    """MoCoGAN (Tulyakov et al. 2018), small: 16–64 px clips of 4–32 frames."""

    resolution: int = 32
    frames: int = 8  # T: the clip length it trains on (the data's frames must match)
    content_dim: int = 48  # z_C: who is in the clip, fixed for the whole clip
    motion_dim: int = 16  # z_M(t): the GRU's output per frame, what moves
    noise_dim: int = 8  # ε(t): the GRU's input noise per frame
    width: int = 32  # channels of the last G layer / first D layers
    channels: int = 3
    image_frames: int = 2  # frames per clip the image discriminator sees
    lr: float = 2e-4
    beta1: float = 0.5
    beta2: float = 0.999
    objective: str = "bce"

    def validate(self) -> None:
        r = self.resolution
        if r not in (16, 32, 64):
            raise ValueError(f"resolution must be 16, 32 or 64, got {r}")
        if not 4 <= self.frames <= 32:
            raise ValueError(f"frames must be in 4..32, got {self.frames}")
        if min(self.content_dim, self.motion_dim, self.noise_dim, self.width) < 1:
            raise ValueError("content_dim, motion_dim, noise_dim and width must be positive")
        if self.channels not in (1, 3):
            raise ValueError(f"channels must be 1 or 3, got {self.channels}")
        if not 1 <= self.image_frames <= self.frames:
            raise ValueError(f"image_frames must be in 1..frames, got {self.image_frames}")
