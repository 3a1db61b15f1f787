"""BigGAN's layers: spectrally normalised convs, conditional BN, self-attention."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.utils.parametrizations import spectral_norm


def sn_conv(cin: int, cout: int, kernel: int = 3) -> nn.Module:
    return spectral_norm(nn.Conv2d(cin, cout, kernel, 1, kernel // 2))


def sn_linear(cin: int, cout: int, bias: bool = True) -> nn.Module:
    return spectral_norm(nn.Linear(cin, cout, bias=bias))


class ConditionalBatchNorm(nn.Module):
    """BN without its own affine; gain and bias are linear in the condition vector."""

    def __init__(self, channels: int, cond_dim: int) -> None:
        super().__init__()
        self.bn = nn.BatchNorm2d(channels, affine=False)
        self.gain = sn_linear(cond_dim, channels, bias=False)
        self.bias = sn_linear(cond_dim, channels, bias=False)

    def forward(self, x: Tensor, cond: Tensor) -> Tensor:
        gain = 1 + self.gain(cond).to(x.dtype)[:, :, None, None]  # (B, C, 1, 1)
        bias = self.bias(cond).to(x.dtype)[:, :, None, None]
        return self.bn(x) * gain + bias


class SelfAttention(nn.Module):
    """SAGAN's attention over positions; γ starts at 0 so it is learnt in gradually."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.theta = sn_conv(channels, channels // 8, 1)
        self.phi = sn_conv(channels, channels // 8, 1)
        self.g = sn_conv(channels, channels // 2, 1)
        self.out = sn_conv(channels // 2, channels, 1)
        self.gamma = nn.Parameter(torch.zeros(()))

    def forward(self, x: Tensor) -> Tensor:
        b, c, h, w = x.shape
        theta = self.theta(x).flatten(2)  # (B, C/8, HW)
        phi = F.max_pool2d(self.phi(x), 2).flatten(2)  # (B, C/8, HW/4)
        g = F.max_pool2d(self.g(x), 2).flatten(2)  # (B, C/2, HW/4)
        attn = torch.softmax(theta.transpose(1, 2) @ phi, -1)  # (B, HW, HW/4)
        o = (g @ attn.transpose(1, 2)).view(b, c // 2, h, w)
        return x + self.gamma * self.out(o)
