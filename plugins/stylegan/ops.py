"""StyleGAN2's building blocks in pure PyTorch (CPU and CUDA, no custom kernels).

``upfirdn2d`` follows the reference implementation's native fallback
(zero-insert upsample, pad, convolve with the flipped FIR kernel, decimate),
so models imported from rosinality's stylegan2-pytorch reproduce its images.
Equalized learning rate: weights are stored at unit scale and multiplied by
``1/sqrt(fan_in)`` (times the lr multiplier) at run time.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

SQRT2 = math.sqrt(2.0)
BLUR_KERNEL = (1, 3, 3, 1)


def make_kernel(k: Sequence[float]) -> Tensor:
    """A separable 1-D FIR kernel → a normalised 2-D kernel (sums to 1)."""
    t = torch.tensor(list(k), dtype=torch.float32)
    t = t[None, :] * t[:, None]  # (K, K)
    return t / t.sum()


def upfirdn2d(
    x: Tensor, kernel: Tensor, up: int = 1, down: int = 1, pad: tuple[int, int] = (0, 0)
) -> Tensor:
    """Upsample by zero insertion, pad, FIR-filter, downsample; same pads on x and y."""
    b, c, h, w = x.shape
    if up > 1:
        z = x.new_zeros(b, c, h * up, w * up)
        z[:, :, ::up, ::up] = x  # (B, C, H*up, W*up)
        x = z
    kh, kw = kernel.shape
    # a contiguous depthwise weight: an expanded view sends oneDNN down a slow path
    weight = torch.flip(kernel, [0, 1]).to(x.dtype).view(1, 1, kh, kw).repeat(c, 1, 1, 1)
    p0, p1 = pad
    if p0 == p1 >= 0:  # the conv pads by itself: no padded copy of x
        x = F.conv2d(x, weight, groups=c, padding=p0)  # depthwise
    else:
        x = F.pad(x, [max(p0, 0), max(p1, 0), max(p0, 0), max(p1, 0)])
        if p0 < 0 or p1 < 0:
            x = x[
                :, :, max(-p0, 0) : x.shape[2] - max(-p1, 0), max(-p0, 0) : x.shape[3] - max(-p1, 0)
            ]
        x = F.conv2d(x, weight, groups=c)  # depthwise
    return x[:, :, ::down, ::down] if down > 1 else x


def fused_leaky_relu(
    x: Tensor, bias: Tensor, negative_slope: float = 0.2, scale: float = SQRT2
) -> Tensor:
    """Add a per-channel bias, leaky ReLU, and restore the variance with √2."""
    shape = (1, -1) + (1,) * (x.ndim - 2)
    return F.leaky_relu(x + bias.view(shape), negative_slope) * scale


class FusedLeakyReLU(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x: Tensor) -> Tensor:
        return fused_leaky_relu(x, self.bias)


def pixel_norm(x: Tensor, eps: float = 1e-8) -> Tensor:
    return x * torch.rsqrt(x.pow(2).mean(dim=1, keepdim=True) + eps)


class Blur(nn.Module):
    """Low-pass FIR filter used around every resampling (anti-aliasing)."""

    kernel: Tensor  # a buffer (typed here: Module.__getattr__ would say Tensor | Module)

    def __init__(self, kernel: Sequence[float], pad: tuple[int, int], upsample_factor: int = 1):
        super().__init__()
        k = make_kernel(kernel)
        if upsample_factor > 1:
            k = k * upsample_factor**2  # zero insertion lowers the mean; restore it
        self.register_buffer("kernel", k, persistent=False)
        self.pad = pad

    def forward(self, x: Tensor) -> Tensor:
        return upfirdn2d(x, self.kernel, pad=self.pad)


class Upsample(nn.Module):
    """2× upsampling of an RGB skip image (zero insertion + FIR)."""

    kernel: Tensor  # a buffer

    def __init__(self, kernel: Sequence[float] = BLUR_KERNEL, factor: int = 2) -> None:
        super().__init__()
        self.factor = factor
        self.register_buffer("kernel", make_kernel(kernel) * factor**2, persistent=False)
        p = len(kernel) - factor
        self.pad = ((p + 1) // 2 + factor - 1, p // 2)

    def forward(self, x: Tensor) -> Tensor:
        return upfirdn2d(x, self.kernel, up=self.factor, pad=self.pad)


class EqualLinear(nn.Module):
    """Linear layer with equalized lr; ``lr_mul`` slows the mapping network (0.01)."""

    def __init__(
        self,
        in_dim: int,
        out_dim: int,
        bias_init: float = 0.0,
        lr_mul: float = 1.0,
        activate: bool = False,
    ) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_dim, in_dim).div_(lr_mul))
        self.bias = nn.Parameter(torch.full((out_dim,), float(bias_init)))
        self.scale = lr_mul / math.sqrt(in_dim)
        self.lr_mul = lr_mul
        self.activate = activate

    def forward(self, x: Tensor) -> Tensor:
        # (W·s)x = W(s·x): scaling the few inputs is cheaper than the whole weight
        if self.activate:
            return fused_leaky_relu(F.linear(x * self.scale, self.weight), self.bias * self.lr_mul)
        return F.linear(x * self.scale, self.weight, self.bias * self.lr_mul)


class EqualConv2d(nn.Module):
    def __init__(
        self,
        in_ch: int,
        out_ch: int,
        kernel_size: int,
        stride: int = 1,
        padding: int = 0,
        bias: bool = True,
    ) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_ch, in_ch, kernel_size, kernel_size))
        self.scale = 1 / math.sqrt(in_ch * kernel_size**2)
        self.stride, self.padding = stride, padding
        self.bias = nn.Parameter(torch.zeros(out_ch)) if bias else None

    def forward(self, x: Tensor) -> Tensor:
        return F.conv2d(x, self.weight * self.scale, self.bias, self.stride, self.padding)


def _mul(x: Tensor, y: Tensor | float) -> Tensor:
    """x · y, in place when no gradient is recorded (x is a fresh intermediate)."""
    return x * y if torch.is_grad_enabled() else x.mul_(y)


def _add(x: Tensor, y: Tensor) -> Tensor:
    return x + y if torch.is_grad_enabled() else x.add_(y)


class ModulatedConv2d(nn.Module):
    """A conv whose input channels are scaled per sample by the style, output demodulated.

    Two equal ways to compute it, chosen by batch size.  One image: the
    paper's formulation — modulate and demodulate the weight (a few MB), then
    one ordinary convolution; the activations are touched once.  A batch: the
    "non-fused" way — scale the activations, one batched conv with the shared
    weight, rescale the outputs — much faster on CPUs than NVIDIA's grouped
    conv over the batch.  ``gain`` and ``bias`` are folded in where that is
    free (the caller's activation gain, a bias after the conv).
    """

    def __init__(
        self,
        in_ch: int,
        out_ch: int,
        kernel_size: int,
        w_dim: int,
        demodulate: bool = True,
        upsample: bool = False,
        blur_kernel: Sequence[float] = BLUR_KERNEL,
    ) -> None:
        super().__init__()
        self.in_ch, self.out_ch, self.k = in_ch, out_ch, kernel_size
        self.demodulate, self.upsample = demodulate, upsample
        self.weight = nn.Parameter(torch.randn(1, out_ch, in_ch, kernel_size, kernel_size))
        self.scale = 1 / math.sqrt(in_ch * kernel_size**2)
        self.padding = kernel_size // 2
        self.modulation = EqualLinear(w_dim, in_ch, bias_init=1.0)
        if upsample:
            factor = 2
            p = (len(blur_kernel) - factor) - (kernel_size - 1)
            self.blur = Blur(blur_kernel, ((p + 1) // 2 + factor - 1, p // 2 + 1), factor)

    def _conv(self, x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
        if self.upsample:
            weight = weight.transpose(0, 1).contiguous()  # (in, out, k, k)
            out = F.conv_transpose2d(x, weight.to(x.dtype), stride=2)
            out = self.blur(out)  # (B, out, 2H, 2W)
            return out if bias is None else _add(out, bias.view(1, -1, 1, 1).to(out.dtype))
        b = None if bias is None else bias.to(x.dtype)
        return F.conv2d(x, weight.to(x.dtype), b, padding=self.padding)  # (B, out, H, W)

    def forward(
        self, x: Tensor, w: Tensor, gain: float = 1.0, bias: Tensor | None = None
    ) -> Tensor:
        """(B, in, H, W), w (B, w_dim) → gain · modconv(x) + bias: (B, out, H', W')."""
        b = x.shape[0]
        style = self.modulation(w)  # (B, in)
        if b == 1:  # modulate the weight itself: one pass over the activations
            weight = self.weight[0] * (style.view(1, -1, 1, 1) * self.scale)  # (out, in, k, k)
            if self.demodulate:
                norm = torch.linalg.vector_norm(weight, dim=(1, 2, 3))  # (out,)
                coef = torch.rsqrt(norm.square() + 1e-8) * gain
                weight = _mul(weight, coef.view(-1, 1, 1, 1))
            elif gain != 1.0:
                weight = _mul(weight, gain)
            return self._conv(x, weight, bias)
        weight = self.scale * self.weight[0]  # (out, in, k, k)
        x = x * style.view(b, -1, 1, 1).to(x.dtype)
        out = self._conv(x, weight)
        if self.demodulate:
            w_mod = weight.unsqueeze(0) * style.view(b, 1, -1, 1, 1)  # (B, out, in, k, k)
            demod = torch.rsqrt(w_mod.pow(2).sum([2, 3, 4]) + 1e-8) * gain  # (B, out)
            out = _mul(out, demod.view(b, -1, 1, 1).to(out.dtype))
        elif gain != 1.0:
            out = _mul(out, gain)
        return out if bias is None else _add(out, bias.view(1, -1, 1, 1).to(out.dtype))
