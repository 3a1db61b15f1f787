"""Torch building blocks GAN plugins share; part of the plugin contract.

Plugins may not import one another, so what several of them need lives here:
seeded latents, DCGAN's up- and down-sampling stacks and its weight init, and
the eval-mode switch around training samples. The stacks come back as lists
of modules, not Sequentials, so each plugin keeps its own state-dict names
(``main.0.weight``, ``trunk.3.weight``…) and its model files stay loadable.

Importing this module imports torch: import it from a plugin's model or
routine module, not from the module that registers hooks.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Sequence

import torch
from torch import Tensor, nn


def seeded_normal(n: int, dim: int, seeds: Sequence[int] | None = None, seed: int = 0) -> Tensor:
    """(n, dim) standard normal, one seed per row (``seed + i`` by default).

    Row i depends on its own seed only, so any image of a grid can be made
    again alone, whatever the batch or device.
    """
    seeds = list(seeds) if seeds is not None else [seed + i for i in range(n)]
    return torch.stack(
        [torch.randn(dim, generator=torch.Generator().manual_seed(int(s))) for s in seeds]
    )


def _doublings(resolution: int) -> int:
    """Stride-2 layers between 4×4 and resolution/2 (resolution a power of two ≥ 8)."""
    return int(math.log2(resolution)) - 3


def dcgan_up_layers(in_dim: int, width: int, channels: int, resolution: int) -> list[nn.Module]:
    """DCGAN's generator: (B, in_dim, 1, 1) → (B, channels, res, res) in [-1, 1]."""
    mult = 2 ** _doublings(resolution)
    layers: list[nn.Module] = [
        nn.ConvTranspose2d(in_dim, width * mult, 4, 1, 0, bias=False),  # (B, w*m, 4, 4)
        nn.BatchNorm2d(width * mult),
        nn.ReLU(True),
    ]
    for _ in range(_doublings(resolution)):
        layers += [
            nn.ConvTranspose2d(width * mult, width * mult // 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(width * mult // 2),
            nn.ReLU(True),
        ]
        mult //= 2
    layers += [nn.ConvTranspose2d(width, channels, 4, 2, 1, bias=False), nn.Tanh()]
    return layers


def dcgan_down_layers(channels: int, width: int, resolution: int) -> tuple[list[nn.Module], int]:
    """DCGAN's discriminator trunk: (B, channels, res, res) → (B, F, 4, 4); returns (layers, F)."""
    layers: list[nn.Module] = [
        nn.Conv2d(channels, width, 4, 2, 1, bias=False),  # (B, w, res/2, res/2)
        nn.LeakyReLU(0.2, inplace=True),
    ]
    mult = 1
    for _ in range(_doublings(resolution)):
        layers += [
            nn.Conv2d(width * mult, width * mult * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(width * mult * 2),
            nn.LeakyReLU(0.2, inplace=True),
        ]
        mult *= 2
    return layers, width * mult


def dcgan_init(module: nn.Module) -> None:
    """Radford et al.: N(0, 0.02) weights, N(1, 0.02) batch-norm scales, zero biases."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)
    elif isinstance(module, nn.Embedding):
        nn.init.normal_(module.weight, 0.0, 0.02)


@contextlib.contextmanager
def sampling(G: nn.Module, G_ema: nn.Module | None = None) -> Iterator[nn.Module]:
    """The generator training samples come from, in eval mode; its mode is restored after.

    That is the EMA copy when the trainer keeps one, else ``G`` without its
    DistributedDataParallel wrapper.
    """
    g = G_ema if G_ema is not None else getattr(G, "module", G)
    was = g.training
    g.eval()
    try:
        yield g
    finally:
        g.train(was)
