"""Growing generator and discriminator: every resolution's layers exist from the start.

The current level and fade-in α are buffers of both modules, so a checkpoint
(and the EMA generator, whose buffers the Trainer copies) knows at which
resolution it draws.  Layers of resolutions not yet reached add ``0 × Σw`` to
the output: their gradients are zeros rather than missing, which DDP needs.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .config import ProGANConfig
from .layers import EqualizedConv2d, EqualizedLinear, MinibatchStddev, PixelNorm


def _act() -> nn.Module:
    return nn.LeakyReLU(0.2)


def _idle(modules: list[nn.Module], like: Tensor) -> Tensor:
    """0 × the sum of unused weights: a zero that keeps them in the graph."""
    if not torch.is_grad_enabled() or not modules:
        return like.new_zeros(())
    return sum((p.sum() for m in modules for p in m.parameters()), like.new_zeros(())) * 0.0


class _Phase(nn.Module):
    level: Tensor  # buffers: the phase travels with the weights (checkpoints, G_ema)
    alpha: Tensor

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("level", torch.zeros((), dtype=torch.long))
        self.register_buffer("alpha", torch.ones(()))

    def set_phase(self, level: int, alpha: float) -> None:
        self.level.fill_(level)
        self.alpha.fill_(alpha)

    def phase(self, level: int | None, alpha: float | None) -> tuple[int, float]:
        return (
            int(self.level) if level is None else level,
            float(self.alpha) if alpha is None else alpha,
        )


class ProGenerator(_Phase):
    def __init__(self, cfg: ProGANConfig) -> None:
        super().__init__()
        self.cfg = cfg
        w0 = cfg.level_width(0)
        s0 = cfg.start_resolution
        self.head = EqualizedLinear(cfg.z_dim, w0 * s0 * s0, gain=1.0)  # → (B, w0, s0, s0)
        self.head_conv = nn.Sequential(
            _act(), PixelNorm(), EqualizedConv2d(w0, w0, 3), _act(), PixelNorm()
        )
        self.blocks = nn.ModuleList([nn.Identity()])
        for k in range(1, cfg.levels + 1):
            a, b = cfg.level_width(k - 1), cfg.level_width(k)
            self.blocks.append(
                nn.Sequential(
                    nn.Upsample(scale_factor=2, mode="nearest"),
                    EqualizedConv2d(a, b, 3),
                    _act(),
                    PixelNorm(),
                    EqualizedConv2d(b, b, 3),
                    _act(),
                    PixelNorm(),
                )
            )  # (B, b, 2H, 2W)
        self.to_rgb = nn.ModuleList(
            [
                EqualizedConv2d(cfg.level_width(k), cfg.channels, 1, gain=1.0)
                for k in range(cfg.levels + 1)
            ]
        )
        self.norm = PixelNorm()

    def forward(self, z: Tensor, level: int | None = None, alpha: float | None = None) -> Tensor:
        """(B, z_dim) → (B, C, r, r) at the level's resolution r."""
        level, alpha = self.phase(level, alpha)
        s0 = self.cfg.start_resolution
        h = self.head(self.norm(z.view(z.size(0), -1))).view(z.size(0), -1, s0, s0)
        h = self.head_conv(h)
        prev = h
        for k in range(1, level + 1):
            prev, h = h, self.blocks[k](h)
        out = self.to_rgb[level](h)
        if level > 0 and alpha < 1.0:  # fade-in: blend with the upsampled coarser image
            coarse = F.interpolate(self.to_rgb[level - 1](prev), scale_factor=2, mode="nearest")
            out = torch.lerp(coarse, out, alpha)
        fading = level > 0 and alpha < 1.0
        unused = [*self.blocks[level + 1 :], *self.to_rgb[level + 1 :]]
        unused += list(self.to_rgb[: level - 1 if fading else level])
        return out + _idle(unused, out)


class ProDiscriminator(_Phase):
    """Scores (B,); reads images at its current level's resolution."""

    def __init__(self, cfg: ProGANConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.from_rgb = nn.ModuleList(
            [
                nn.Sequential(EqualizedConv2d(cfg.channels, cfg.level_width(k), 1), _act())
                for k in range(cfg.levels + 1)
            ]
        )
        self.blocks = nn.ModuleList([nn.Identity()])
        for k in range(1, cfg.levels + 1):
            a, b = cfg.level_width(k), cfg.level_width(k - 1)
            self.blocks.append(
                nn.Sequential(
                    EqualizedConv2d(a, a, 3),
                    _act(),
                    EqualizedConv2d(a, b, 3),
                    _act(),
                    nn.AvgPool2d(2),
                )
            )  # (B, b, H/2, W/2)
        w0, s0 = cfg.level_width(0), cfg.start_resolution
        self.final = nn.Sequential(
            MinibatchStddev(),
            EqualizedConv2d(w0 + 1, w0, 3),
            _act(),
            nn.Flatten(),
            EqualizedLinear(w0 * s0 * s0, w0),
            _act(),
            EqualizedLinear(w0, 1, gain=1.0),
        )

    def forward(self, x: Tensor, level: int | None = None, alpha: float | None = None) -> Tensor:
        level, alpha = self.phase(level, alpha)
        h = self.from_rgb[level](x)
        fading = level > 0 and alpha < 1.0
        if level > 0:
            h = self.blocks[level](h)
        if fading:
            coarse = self.from_rgb[level - 1](F.avg_pool2d(x, 2))
            h = torch.lerp(coarse, h, alpha)
        for k in range(level - 1, 0, -1):
            h = self.blocks[k](h)
        out = self.final(h).view(-1)
        unused = [*self.blocks[level + 1 :], *self.from_rgb[level + 1 :]]
        unused += list(self.from_rgb[: level - 1 if fading else level])
        return out + _idle(unused, out)


def build_progan(cfg: ProGANConfig) -> dict[str, nn.Module]:
    cfg.validate()
    return {"G": ProGenerator(cfg), "D": ProDiscriminator(cfg)}
