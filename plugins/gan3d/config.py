"""The 3D-GAN's config (no torch: read at discovery)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Gan3DConfig:
    """Wu et al. 2016: z → 3-D transposed convs (BN, ReLU) → sigmoid occupancy; 3-D conv D.

    ``resolution`` is the grid's side (16, 32 or 64); ``width`` the channels of
    G's last hidden layer and D's first (doubling towards the 4³ core).
    WGAN-GP (the default objective) keeps D free of batch norm.
    """

    resolution: int = 32
    z_dim: int = 200
    width: int = 32
    lr_g: float = 1e-4
    lr_d: float = 1e-4
    beta1: float = 0.5
    beta2: float = 0.9
    #: D updates per G update (WGAN-GP critics like a few)
    d_steps: int = 1
    objective: str = "wgan-gp"
    #: the image → shape encoder's input size (renders of the shapes, RGB)
    encoder_size: int = 64

    def validate(self) -> None:
        if self.resolution not in (16, 32, 64):
            raise ValueError(f"resolution must be 16, 32 or 64 voxels, got {self.resolution}")
        if not 1 <= self.z_dim <= 4096 or not 1 <= self.width <= 512:
            raise ValueError("z_dim must be 1 to 4096 and width 1 to 512")
        if not 1 <= self.d_steps <= 10:
            raise ValueError(f"d_steps must be 1 to 10, got {self.d_steps}")
        if self.encoder_size not in (32, 64, 128):
            raise ValueError(f"encoder_size must be 32, 64 or 128, got {self.encoder_size}")
