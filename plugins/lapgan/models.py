"""The Laplacian pyramid of generators and its matching discriminators.

Both are single modules holding every level, so one forward per step trains
the whole pyramid (what DDP expects) and the Trainer's EMA covers all levels.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ganstudio.blocks import dcgan_init

from .config import LAPGANConfig


def upsample(x: Tensor) -> Tensor:
    return F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)


def pyramid(images: Tensor, cfg: LAPGANConfig) -> list[Tensor]:
    """Full-size images → [base, …, full] by 2× area downsampling (the Gaussian pyramid)."""
    out = [images]
    for _ in range(cfg.levels):
        out.insert(0, F.avg_pool2d(out[0], 2))
    return out


class CoarseGenerator(nn.Module):
    """z → (B, C, base, base): a small DCGAN-style stack from 4×4."""

    def __init__(self, cfg: LAPGANConfig) -> None:
        super().__init__()
        w = cfg.width
        self.fc = nn.Sequential(nn.Linear(cfg.z_dim, w * 16), nn.ReLU(True))  # → (B, w, 4, 4)
        layers: list[nn.Module] = []
        res = 4
        while res < cfg.base_resolution:
            layers += [nn.Upsample(scale_factor=2), nn.Conv2d(w, w, 3, 1, 1), nn.BatchNorm2d(w)]
            layers.append(nn.ReLU(True))
            res *= 2
        layers += [nn.Conv2d(w, cfg.channels, 3, 1, 1), nn.Tanh()]
        self.main = nn.Sequential(*layers)
        self.width = w

    def forward(self, z: Tensor) -> Tensor:
        return self.main(self.fc(z).view(z.size(0), self.width, 4, 4))


class ResidualGenerator(nn.Module):
    """(upsampled coarse image, noise plane) → the band-pass detail to add to it."""

    def __init__(self, cfg: LAPGANConfig) -> None:
        super().__init__()
        w, c = cfg.width, cfg.channels
        self.main = nn.Sequential(
            nn.Conv2d(c + 1, w, 3, 1, 1), nn.BatchNorm2d(w), nn.ReLU(True),
            nn.Conv2d(w, w, 3, 1, 1), nn.BatchNorm2d(w), nn.ReLU(True),
            nn.Conv2d(w, c, 3, 1, 1),
        )  # fmt: skip

    def forward(self, up: Tensor, noise: Tensor) -> Tensor:
        return self.main(torch.cat([up, noise.to(up.dtype)], 1))  # (B, C, H, W)


class LaplacianGenerator(nn.Module):
    def __init__(self, cfg: LAPGANConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.coarse = CoarseGenerator(cfg)
        self.levels = nn.ModuleList([ResidualGenerator(cfg) for _ in range(cfg.levels)])

    def noises(self, n: int, generator: torch.Generator | None = None) -> list[Tensor]:
        """One noise plane per level, (n, 1, r, r)."""
        return [torch.randn(n, 1, r, r, generator=generator) for r in self.cfg.resolutions[1:]]

    def refine(self, image: Tensor, noises: Sequence[Tensor], start: int = 0) -> list[Tensor]:
        """From an image at level ``start``, every finer level in turn: [start, …, full]."""
        out = [image]
        for k in range(start, self.cfg.levels):
            up = upsample(out[-1])
            out.append(up + self.levels[k](up, noises[k].to(up.device)))
        return out

    def forward(
        self,
        z: Tensor,
        conds: Sequence[Tensor] | None = None,
        noises: Sequence[Tensor] | None = None,
    ) -> Tensor | list[Tensor]:
        """Sampling (``conds`` None): (B, C, R, R), coarse to fine from z.

        Training: ``conds[k]`` is the real image of level k upsampled to level
        k + 1; returns [coarse fake, level 1 fake, …], each level conditioned
        on the real coarser image, as the levels are trained independently.
        """
        if noises is None:
            noises = [n.to(z.device) for n in self.noises(z.size(0))]
        coarse = self.coarse(z.view(z.size(0), -1))
        if conds is None:
            return self.refine(coarse, noises)[-1]
        return [coarse] + [
            up + g(up, noises[k].to(up.device))
            for k, (g, up) in enumerate(zip(self.levels, conds, strict=True))
        ]


def _down(cin: int, w: int, res: int) -> nn.Sequential:
    layers: list[nn.Module] = [nn.Conv2d(cin, w, 3, 1, 1), nn.LeakyReLU(0.2, True)]
    while res > 4:
        layers += [nn.Conv2d(w, w, 4, 2, 1), nn.LeakyReLU(0.2, True)]
        res //= 2
    layers += [nn.Flatten(), nn.Linear(w * 16, 1)]
    return nn.Sequential(*layers)


class LaplacianDiscriminator(nn.Module):
    """One critic per level; level k ≥ 1 sees its image beside the upsampled coarser one."""

    def __init__(self, cfg: LAPGANConfig) -> None:
        super().__init__()
        c, w = cfg.channels, cfg.width
        self.coarse = _down(c, w, cfg.base_resolution)
        self.levels = nn.ModuleList(
            [_down(2 * c, w, cfg.level_resolution(k + 1)) for k in range(cfg.levels)]
        )

    def forward(self, images: Sequence[Tensor], conds: Sequence[Tensor]) -> Tensor:
        """(levels + 1, B) scores for [coarse, level 1, …] given each level's condition."""
        scores = [self.coarse(images[0]).view(-1)]
        for d, x, up in zip(self.levels, images[1:], conds, strict=True):
            scores.append(d(torch.cat([up.to(x.dtype), x], 1)).view(-1))
        return torch.stack(scores)


def build_lapgan(cfg: LAPGANConfig) -> dict[str, nn.Module]:
    cfg.validate()
    G, D = LaplacianGenerator(cfg), LaplacianDiscriminator(cfg)
    G.apply(dcgan_init)
    D.apply(dcgan_init)
    return {"G": G, "D": D}
