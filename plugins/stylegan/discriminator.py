"""StyleGAN2's residual discriminator with a minibatch standard deviation feature."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import Tensor, nn

from .ops import BLUR_KERNEL, Blur, EqualConv2d, EqualLinear, FusedLeakyReLU


class ConvLayer(nn.Sequential):
    """Equalized conv; ``downsample`` blurs first, then strides by 2."""

    def __init__(
        self,
        in_ch: int,
        out_ch: int,
        kernel_size: int,
        downsample: bool = False,
        bias: bool = True,
        activate: bool = True,
    ) -> None:
        layers: list[nn.Module] = []
        stride, padding = 1, kernel_size // 2
        if downsample:
            p = len(BLUR_KERNEL) - 2 + (kernel_size - 1)
            layers.append(Blur(BLUR_KERNEL, ((p + 1) // 2, p // 2)))
            stride, padding = 2, 0
        layers.append(
            EqualConv2d(in_ch, out_ch, kernel_size, stride, padding, bias=bias and not activate)
        )
        if activate:
            layers.append(FusedLeakyReLU(out_ch))
        super().__init__(*layers)


class ResBlock(nn.Module):
    def __init__(self, in_ch: int, out_ch: int) -> None:
        super().__init__()
        self.conv1 = ConvLayer(in_ch, in_ch, 3)
        self.conv2 = ConvLayer(in_ch, out_ch, 3, downsample=True)
        self.skip = ConvLayer(in_ch, out_ch, 1, downsample=True, bias=False, activate=False)

    def forward(self, x: Tensor) -> Tensor:
        return (self.conv2(self.conv1(x)) + self.skip(x)) / math.sqrt(2)  # (B, out, H/2, W/2)


def minibatch_stddev(x: Tensor, group: int = 4) -> Tensor:
    """Append the std over small groups of the batch: lets D see a lack of variety."""
    b, c, h, w = x.shape
    g = min(group, b)
    while b % g:
        g -= 1
    s = x.reshape(g, -1, 1, c, h, w)
    s = torch.sqrt(s.var(0, unbiased=False) + 1e-8).mean([2, 3, 4])  # (B/g, 1)
    s = s.reshape(-1, 1, 1, 1).repeat(g, 1, h, w)  # (B, 1, H, W)
    return torch.cat([x, s], 1)


class Discriminator(nn.Module):
    """Returns raw scores (B,)."""

    def __init__(
        self, resolution: int, channels_at: Callable[[int], int], img_channels: int = 3
    ) -> None:
        super().__init__()
        log = int(math.log2(resolution))
        blocks: list[nn.Module] = [ConvLayer(img_channels, channels_at(resolution), 1)]
        in_ch = channels_at(resolution)
        for i in range(log, 2, -1):
            out_ch = channels_at(2 ** (i - 1))
            blocks.append(ResBlock(in_ch, out_ch))
            in_ch = out_ch
        self.blocks = nn.Sequential(*blocks)  # (B, C4, 4, 4)
        c4 = channels_at(4)
        self.final_conv = ConvLayer(in_ch + 1, c4, 3)
        self.final_linear = nn.Sequential(
            EqualLinear(c4 * 16, c4, activate=True), EqualLinear(c4, 1)
        )

    def forward(self, x: Tensor) -> Tensor:
        x = self.blocks(x)
        x = self.final_conv(minibatch_stddev(x))  # (B, C4, 4, 4)
        return self.final_linear(x.flatten(1)).view(-1)
