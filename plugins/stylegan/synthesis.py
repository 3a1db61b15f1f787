"""The synthesis network: a learned constant grown to an image by styled convolutions.

One W+ entry drives each styled conv and each toRGB: entry 0 the 4×4 conv,
1 the 4×4 toRGB and the first 8×8 conv, and so on (``num_ws = 2·log2(res) − 2``),
the layout of both rosinality's port and NVIDIA's code.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .ops import SQRT2, FusedLeakyReLU, ModulatedConv2d, Upsample

NOISE_MODES = ("const", "random", "none")


class StyledConv(nn.Module):
    """Modulated conv → per-pixel noise with a learned strength → bias + leaky ReLU."""

    noise_const: Tensor  # a buffer

    def __init__(self, in_ch: int, out_ch: int, w_dim: int, res: int, upsample: bool = False):
        super().__init__()
        self.conv = ModulatedConv2d(in_ch, out_ch, 3, w_dim, upsample=upsample)
        self.noise_strength = nn.Parameter(torch.zeros(1))
        self.register_buffer("noise_const", torch.randn(1, 1, res, res))
        self.act = FusedLeakyReLU(out_ch)

    def forward(self, x: Tensor, w: Tensor, noise_mode: str = "random") -> Tensor:
        if not torch.is_grad_enabled():
            return self._inference(x, w, noise_mode)
        x = self.conv(x, w)  # (B, out, res, res)
        if noise_mode == "random":
            x = x + self.noise_strength * torch.randn_like(x[:, :1])
        elif noise_mode == "const":
            x = x + self.noise_strength * self.noise_const.to(x.dtype)
        return self.act(x)

    def _inference(self, x: Tensor, w: Tensor, noise_mode: str) -> Tensor:
        """The same arithmetic with fewer passes over the activations (no autograd):
        lrelu(x + b)·√2 = lrelu(√2·x + √2·b), so the gain goes into the conv's weight,
        the bias into the conv where that is free, and the rest happens in place."""
        bias = self.act.bias * SQRT2
        folded = not self.conv.upsample  # conv2d adds a bias for free; the blur would not
        x = self.conv(x, w, gain=SQRT2, bias=bias if folded else None)  # (B, out, res, res)
        strength = self.noise_strength * SQRT2
        if noise_mode == "random":
            x.add_(torch.randn_like(x[:, :1]) * strength.to(x.dtype))
        elif noise_mode == "const":
            x.add_(self.noise_const.to(x.dtype) * strength.to(x.dtype))  # (1, 1, res, res)
        if not folded:
            x.add_(bias.view(1, -1, 1, 1).to(x.dtype))
        return F.leaky_relu_(x, 0.2)


class ToRGB(nn.Module):
    """1×1 modulated conv (no demodulation) to RGB, added to the upsampled skip image."""

    def __init__(self, in_ch: int, w_dim: int, img_channels: int = 3, upsample: bool = True):
        super().__init__()
        self.conv = ModulatedConv2d(in_ch, img_channels, 1, w_dim, demodulate=False)
        self.bias = nn.Parameter(torch.zeros(1, img_channels, 1, 1))
        self.upsample = Upsample() if upsample else None

    def forward(self, x: Tensor, w: Tensor, skip: Tensor | None = None) -> Tensor:
        out = self.conv(x, w, bias=self.bias.view(-1))
        if skip is not None and self.upsample is not None:
            up = self.upsample(skip)
            out = out + up if torch.is_grad_enabled() else out.add_(up)
        return out


class SynthesisNetwork(nn.Module):
    def __init__(
        self, resolution: int, w_dim: int, channels_at: Callable[[int], int], img_channels: int = 3
    ) -> None:
        super().__init__()
        self.resolution, self.w_dim = resolution, w_dim
        log = int(math.log2(resolution))
        self.num_ws = 2 * log - 2
        c4 = channels_at(4)
        self.const = nn.Parameter(torch.randn(1, c4, 4, 4))
        self.conv1 = StyledConv(c4, c4, w_dim, 4)
        self.to_rgb1 = ToRGB(c4, w_dim, img_channels, upsample=False)
        self.convs = nn.ModuleList()
        self.to_rgbs = nn.ModuleList()
        in_ch = c4
        for i in range(3, log + 1):
            res, out_ch = 2**i, channels_at(2**i)
            self.convs.append(StyledConv(in_ch, out_ch, w_dim, res, upsample=True))
            self.convs.append(StyledConv(out_ch, out_ch, w_dim, res))
            self.to_rgbs.append(ToRGB(out_ch, w_dim, img_channels))
            in_ch = out_ch

    def forward(
        self, ws: Tensor, noise_mode: str = "random", max_resolution: int | None = None
    ) -> Tensor:
        """W+ (B, num_ws, w_dim) → image (B, C, res, res).

        ``max_resolution`` stops early and returns the skip architecture's RGB
        image accumulated so far (at that size, a power of two ≥ 4): the cheap
        preview of the final image that a slider needs.
        """
        img = ws
        for _, rgb in self.progressive(ws, noise_mode, max_resolution):
            img = rgb
        return img

    def progressive(
        self, ws: Tensor, noise_mode: str = "random", max_resolution: int | None = None
    ) -> Iterator[tuple[int, Tensor]]:
        """Yield (resolution, RGB so far) after each block, 4 px up to ``max_resolution``
        (default: the full size); callers can stop, or be cancelled, between blocks."""
        if noise_mode not in NOISE_MODES:
            raise ValueError(f"noise_mode must be one of {NOISE_MODES}, got {noise_mode!r}")
        if ws.ndim != 3 or ws.shape[1] != self.num_ws:
            raise ValueError(
                f"expected ws of shape (B, {self.num_ws}, {self.w_dim}), got {tuple(ws.shape)}"
            )
        top = (
            self.resolution
            if max_resolution is None
            else max(4, min(max_resolution, self.resolution))
        )
        x = self.const.expand(ws.shape[0], -1, -1, -1)  # (B, C4, 4, 4)
        x = self.conv1(x, ws[:, 0], noise_mode)
        img = self.to_rgb1(x, ws[:, 1])  # (B, 3, 4, 4)
        res = 4
        yield res, img
        i = 1
        for k, to_rgb in enumerate(self.to_rgbs):
            if res * 2 > top:
                return
            x = self.convs[2 * k](x, ws[:, i], noise_mode)  # (B, C, 2H, 2W)
            x = self.convs[2 * k + 1](x, ws[:, i + 1], noise_mode)
            img = to_rgb(x, ws[:, i + 2], img)  # (B, 3, 2H, 2W)
            res *= 2
            i += 2
            yield res, img
