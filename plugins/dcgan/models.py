"""Generators and discriminators of the fully-connected GAN and DCGAN.

The DCGAN generator keeps the layer layout and key names of the PyTorch
examples' DCGAN (``main.0`` … ``main.12`` at 64 px), so their ``netG.pth``
maps onto it key for key.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from .config import DCGANConfig, MLPGANConfig


class DCGANGenerator(nn.Module):
    def __init__(self, cfg: DCGANConfig) -> None:
        super().__init__()
        self.z_dim = cfg.z_dim
        n_up = int(math.log2(cfg.resolution)) - 3  # 4x4 → resolution/2 in n_up doublings
        mult = 2**n_up
        layers: list[nn.Module] = [
            nn.ConvTranspose2d(cfg.z_dim, cfg.width * mult, 4, 1, 0, bias=False),  # (B, w*m, 4, 4)
            nn.BatchNorm2d(cfg.width * mult),
            nn.ReLU(True),
        ]
        for _ in range(n_up):
            layers += [
                nn.ConvTranspose2d(cfg.width * mult, cfg.width * mult // 2, 4, 2, 1, bias=False),
                nn.BatchNorm2d(cfg.width * mult // 2),
                nn.ReLU(True),
            ]
            mult //= 2
        layers += [nn.ConvTranspose2d(cfg.width, cfg.channels, 4, 2, 1, bias=False), nn.Tanh()]
        self.main = nn.Sequential(*layers)  # (B, C, res, res)

    def forward(self, z: Tensor) -> Tensor:
        return self.main(z.view(z.size(0), -1, 1, 1))


class DCGANDiscriminator(nn.Module):
    """Returns raw scores (B,); the objective decides how to read them."""

    def __init__(self, cfg: DCGANConfig) -> None:
        super().__init__()
        n_down = int(math.log2(cfg.resolution)) - 3
        layers: list[nn.Module] = [
            nn.Conv2d(cfg.channels, cfg.width, 4, 2, 1, bias=False),  # (B, w, res/2, res/2)
            nn.LeakyReLU(0.2, inplace=True),
        ]
        mult = 1
        for _ in range(n_down):
            layers += [
                nn.Conv2d(cfg.width * mult, cfg.width * mult * 2, 4, 2, 1, bias=False),
                nn.BatchNorm2d(cfg.width * mult * 2),
                nn.LeakyReLU(0.2, inplace=True),
            ]
            mult *= 2
        layers.append(nn.Conv2d(cfg.width * mult, 1, 4, 1, 0, bias=False))  # (B, 1, 1, 1)
        self.main = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return self.main(x).view(-1)


def dcgan_init(module: nn.Module) -> None:
    """The paper's init: N(0, 0.02) convs, N(1, 0.02) batchnorm scales."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(module.weight, 0.0, 0.02)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


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
        self.net = nn.Sequential(
            nn.Flatten(),
            nn.Linear(cfg.channels * cfg.resolution**2, h * 2),
            nn.LeakyReLU(0.2, True),
            nn.Linear(h * 2, h),
            nn.LeakyReLU(0.2, True),
            nn.Linear(h, 1),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x).view(-1)


def build_dcgan(cfg: DCGANConfig) -> dict[str, nn.Module]:
    G, D = DCGANGenerator(cfg), DCGANDiscriminator(cfg)
    G.apply(dcgan_init)
    D.apply(dcgan_init)
    return {"G": G, "D": D}


def build_mlp(cfg: MLPGANConfig) -> dict[str, nn.Module]:
    return {"G": MLPGenerator(cfg), "D": MLPDiscriminator(cfg)}


def latent(n: int, z_dim: int, seeds: list[int] | None = None, seed: int = 0) -> Tensor:
    """(n, z_dim) standard normal; one seed per row so a grid's items are reproducible."""
    seeds = seeds if seeds is not None else [seed + i for i in range(n)]
    rows = []
    for s in seeds:
        g = torch.Generator().manual_seed(int(s))
        rows.append(torch.randn(z_dim, generator=g))
    return torch.stack(rows)
