"""Label-conditioned DCGAN generator and projection discriminator."""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from .config import CGANConfig


class ConditionalGenerator(nn.Module):
    """G(z, y): the label's embedding concatenated with z (Mirza & Osindero).

    ``y`` is (B,) class indices, or (B, K) class weights — a blend of two
    neighbouring bins gives a smooth step between them (e.g. gradual ageing).
    """

    def __init__(self, cfg: CGANConfig) -> None:
        super().__init__()
        self.embed = nn.Embedding(cfg.num_classes, cfg.embed_dim)
        n_up = int(math.log2(cfg.resolution)) - 3
        mult = 2**n_up
        layers: list[nn.Module] = [
            nn.ConvTranspose2d(cfg.z_dim + cfg.embed_dim, cfg.width * mult, 4, 1, 0, bias=False),
            nn.BatchNorm2d(cfg.width * mult),  # (B, w*m, 4, 4)
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

    def label_embedding(self, y: Tensor) -> Tensor:
        if y.is_floating_point():  # (B, K) weights
            return y.to(self.embed.weight.dtype) @ self.embed.weight  # (B, E)
        return self.embed(y)  # (B, E)

    def forward(self, z: Tensor, y: Tensor) -> Tensor:
        h = torch.cat([z.view(z.size(0), -1), self.label_embedding(y).to(z.dtype)], 1)
        return self.main(h.view(h.size(0), -1, 1, 1))


class ProjectionDiscriminator(nn.Module):
    """D(x, y) = ψ(φ(x)) + ⟨embed(y), φ(x)⟩ (Miyato & Koyama 2018); scores (B,).

    Without ``y`` only ψ(φ(x)) is returned, an unconditional realness score.
    """

    def __init__(self, cfg: CGANConfig) -> None:
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
        self.trunk = nn.Sequential(*layers)  # (B, F, 4, 4)
        feat = cfg.width * mult
        self.psi = nn.Linear(feat, 1)
        self.embed = nn.Embedding(cfg.num_classes, feat)

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        h = self.trunk(x).sum((2, 3))  # (B, F): global sum pooling
        score = self.psi(h).view(-1)
        if y is None:
            return score
        return score + (self.embed(y) * h).sum(1)


def _init(module: nn.Module) -> None:
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)
    elif isinstance(module, nn.Embedding):
        nn.init.normal_(module.weight, 0.0, 0.02)


def build_cgan(cfg: CGANConfig) -> dict[str, nn.Module]:
    cfg.validate()
    G, D = ConditionalGenerator(cfg), ProjectionDiscriminator(cfg)
    G.apply(_init)
    D.apply(_init)
    nn.init.normal_(G.embed.weight, 0.0, 1.0)  # the label weighs as much as z at the start
    return {"G": G, "D": D}


def noise(n: int, z_dim: int, seeds: list[int]) -> Tensor:
    """(n, z_dim) standard normal, one seed per row."""
    return torch.stack([torch.randn(z_dim, generator=torch.Generator().manual_seed(int(s)))
                        for s in seeds[:n]])
