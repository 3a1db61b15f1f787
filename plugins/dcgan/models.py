"""Generators and discriminators of the fully-connected GAN and DCGAN.

The DCGAN generator keeps the layer layout and key names of the PyTorch
examples' DCGAN (``main.0`` … ``main.12`` at 64 px), so their ``netG.pth``
maps onto it key for key.
"""

from __future__ import annotations

import math

from torch import Tensor, nn

from ganstudio.blocks import dcgan_down_layers, dcgan_init, dcgan_up_layers
from ganstudio.stabilisers import minibatch_layers, packed_channels, stabilise_discriminator

from .config import DCGANConfig, MLPGANConfig


class DCGANGenerator(nn.Module):
    def __init__(self, cfg: DCGANConfig) -> None:
        super().__init__()
        self.z_dim = cfg.z_dim
        layers = dcgan_up_layers(cfg.z_dim, cfg.width, cfg.channels, cfg.resolution)
        self.main = nn.Sequential(*layers)  # (B, C, res, res)

    def forward(self, z: Tensor) -> Tensor:
        return self.main(z.view(z.size(0), -1, 1, 1))


class DCGANDiscriminator(nn.Module):
    """Returns raw scores (B,); the objective decides how to read them."""

    def __init__(self, cfg: DCGANConfig) -> None:
        super().__init__()
        channels = packed_channels(cfg.channels, cfg)  # PacGAN: m images side by side
        layers, feat = dcgan_down_layers(channels, cfg.width, cfg.resolution)  # (B, F, 4, 4)
        extra, feat = minibatch_layers(feat, cfg, spatial=16)  # (B, F + k, 4, 4)
        layers += extra
        layers.append(nn.Conv2d(feat, 1, 4, 1, 0, bias=False))  # (B, 1, 1, 1)
        self.main = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return self.main(x).view(-1)


class MLPGenerator(nn.Module):
    def __init__(self, cfg: MLPGANConfig) -> None:
        super().__init__()
        self.shape = (cfg.channels, cfg.resolution, cfg.resolution)
        h = cfg.hidden
        self.net = nn.Sequential(
            nn.Linear(cfg.z_dim, h // 2),
            nn.LeakyReLU(0.2, True),
            nn.Linear(h // 2, h),
            nn.BatchNorm1d(h),
            nn.LeakyReLU(0.2, True),
            nn.Linear(h, h * 2),
            nn.BatchNorm1d(h * 2),
            nn.LeakyReLU(0.2, True),
            nn.Linear(h * 2, math.prod(self.shape)),
            nn.Tanh(),
        )

    def forward(self, z: Tensor) -> Tensor:
        return self.net(z.view(z.size(0), -1)).view(z.size(0), *self.shape)


class MLPDiscriminator(nn.Module):
    def __init__(self, cfg: MLPGANConfig) -> None:
        super().__init__()
        h = cfg.hidden
        extra, feat = minibatch_layers(h, cfg)  # (B, h + k)
        self.net = nn.Sequential(
            nn.Flatten(),
            nn.Linear(packed_channels(cfg.channels, cfg) * cfg.resolution**2, h * 2),
            nn.LeakyReLU(0.2, True),
            nn.Linear(h * 2, h),
            nn.LeakyReLU(0.2, True),
            *extra,
            nn.Linear(feat, 1),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x).view(-1)


def build_dcgan(cfg: DCGANConfig) -> dict[str, nn.Module]:
    G, D = DCGANGenerator(cfg), DCGANDiscriminator(cfg)
    G.apply(dcgan_init)
    D.apply(dcgan_init)
    return {"G": G, "D": stabilise_discriminator(D, cfg)}


def build_mlp(cfg: MLPGANConfig) -> dict[str, nn.Module]:
    return {"G": MLPGenerator(cfg), "D": stabilise_discriminator(MLPDiscriminator(cfg), cfg)}
