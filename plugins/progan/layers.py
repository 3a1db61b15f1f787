"""ProGAN's own layers: equalised learning rate, pixel norm, minibatch stddev."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class EqualizedConv2d(nn.Module):
    """A conv whose N(0, 1) weights are scaled by He's constant at every call.

    Adam's step is then the same size for every layer, whatever its fan-in:
    the "equalised learning rate" of the paper.
    """

    def __init__(self, cin: int, cout: int, kernel: int, gain: float = math.sqrt(2)) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(cout, cin, kernel, kernel))
        self.bias = nn.Parameter(torch.zeros(cout))
        self.scale = gain / math.sqrt(cin * kernel * kernel)
        self.pad = kernel // 2

    def forward(self, x: Tensor) -> Tensor:
        return F.conv2d(x, self.weight * self.scale, self.bias, padding=self.pad)


class EqualizedLinear(nn.Module):
    def __init__(self, cin: int, cout: int, gain: float = math.sqrt(2)) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(cout, cin))
        self.bias = nn.Parameter(torch.zeros(cout))
        self.scale = gain / math.sqrt(cin)

    def forward(self, x: Tensor) -> Tensor:
        return F.linear(x, self.weight * self.scale, self.bias)


class PixelNorm(nn.Module):
    """Each pixel's feature vector to unit mean square (replaces batch norm in G)."""

    def forward(self, x: Tensor) -> Tensor:
        return x * torch.rsqrt(x.pow(2).mean(1, keepdim=True) + 1e-8)


class MinibatchStddev(nn.Module):
    """Appends the batch's mean feature stddev (per group) as a channel: D sees variety."""

    def __init__(self, group: int = 4) -> None:
        super().__init__()
        self.group = group

    def forward(self, x: Tensor) -> Tensor:
        b, c, h, w = x.shape
        g = math.gcd(self.group, b)
        y = x.view(g, -1, c, h, w).float()  # (G, B/G, C, H, W)
        y = (y.var(0, unbiased=False) + 1e-8).sqrt().mean((1, 2, 3))  # (B/G,)
        y = y.to(x.dtype).view(-1, 1, 1, 1).repeat(g, 1, h, w)  # (B, 1, H, W)
        return torch.cat([x, y], 1)
