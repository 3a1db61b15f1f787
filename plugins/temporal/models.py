"""MoCoGAN's modules: a motion GRU, a per-frame image generator, image and video critics."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ganstudio.blocks import dcgan_down_layers, dcgan_init, dcgan_up_layers

from .config import TemporalGANConfig


class VideoGenerator(nn.Module):
    """G(z_C, ε): one content code per clip, a motion code per frame from a GRU.

    ``z_M(t) = GRU(ε(t), h(t-1))`` with ``h(0) = 0``, so the content seed
    fixes who is in the clip and the noise ε fixes how it moves; every frame
    is the image generator applied to ``[z_C, z_M(t)]``.
    """

    def __init__(self, cfg: TemporalGANConfig) -> None:
        super().__init__()
        self.motion = nn.GRUCell(cfg.noise_dim, cfg.motion_dim)
        in_dim = cfg.content_dim + cfg.motion_dim
        layers = dcgan_up_layers(in_dim, cfg.width, cfg.channels, cfg.resolution)
        self.image = nn.Sequential(*layers)  # (N, C, res, res)

    def motion_codes(self, eps: Tensor) -> Tensor:
        """(B, T, noise_dim) → (B, T, motion_dim)."""
        h = eps.new_zeros(eps.size(0), self.motion.hidden_size)
        codes = []
        for t in range(eps.size(1)):
            h = self.motion(eps[:, t], h)
            codes.append(h)
        return torch.stack(codes, 1)

    def forward(self, z_content: Tensor, eps: Tensor) -> Tensor:
        """(B, content_dim), (B, T, noise_dim) → (B, C, T, H, W) in [-1, 1]."""
        b, t = eps.shape[:2]
        z_m = self.motion_codes(eps)  # (B, T, motion_dim)
        z_c = z_content[:, None].expand(b, t, z_content.size(1))  # (B, T, content_dim)
        z = (z_c.reshape(b * t, -1), z_m.reshape(b * t, -1))
        frames = self.image(torch.cat(z, 1)[:, :, None, None])  # (B*T, C, H, W)
        return frames.view(b, t, *frames.shape[1:]).transpose(1, 2)


class ImageDiscriminator(nn.Module):
    """D_I: is this one frame a real face?  (N, C, H, W) → (N,) scores."""

    def __init__(self, cfg: TemporalGANConfig) -> None:
        super().__init__()
        layers, feat = dcgan_down_layers(cfg.channels, cfg.width, cfg.resolution)
        self.trunk = nn.Sequential(*layers)  # (N, F, 4, 4)
        self.head = nn.Linear(feat * 16, 1)

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.trunk(x).flatten(1)).view(-1)


class VideoDiscriminator(nn.Module):
    """D_V: is this clip real, motion included?  3-D convolutions over (T, H, W).

    (B, C, T, H, W) → (B,) scores; no batch norm, so every objective's
    gradient penalty applies.
    """

    def __init__(self, cfg: TemporalGANConfig) -> None:
        super().__init__()
        w = cfg.width
        self.trunk = nn.Sequential(
            nn.Conv3d(cfg.channels, w, (3, 4, 4), (1, 2, 2), (1, 1, 1)),  # (B, w, T, H/2, W/2)
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv3d(w, 2 * w, (3, 4, 4), (2, 2, 2), (1, 1, 1)),  # (B, 2w, T/2, H/4, W/4)
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv3d(2 * w, 4 * w, (3, 4, 4), (2, 2, 2), (1, 1, 1)),  # (B, 4w, T/4, H/8, W/8)
            nn.LeakyReLU(0.2, inplace=True),
        )
        self.head = nn.Linear(4 * w, 1)

    def forward(self, video: Tensor) -> Tensor:
        h = self.trunk(video).mean((2, 3, 4))  # (B, 4w): any clip length works
        return self.head(h).view(-1)


def _init(module: nn.Module) -> None:
    dcgan_init(module)
    if isinstance(module, nn.Conv3d):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)


def build_temporal(cfg: TemporalGANConfig) -> dict[str, nn.Module]:
    cfg.validate()
    G, D, DV = VideoGenerator(cfg), ImageDiscriminator(cfg), VideoDiscriminator(cfg)
    for m in (G, D, DV):
        m.apply(_init)
    return {"G": G, "D": D, "D_video": DV}
