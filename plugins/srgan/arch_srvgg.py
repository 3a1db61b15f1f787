"""SRVGGNetCompact (Real-ESRGAN): the fast network for interactive upscaling.

Same layout and key names as xinntao/Real-ESRGAN ``realesrgan/archs/srvgg_arch.py``:
``body`` is one list of conv, act, conv, act, …, conv (``body.0`` … ``body.{2n+2}``),
with a PReLU's ``weight`` at the odd indices, followed by a pixel shuffle and
the nearest-upsampled input added as a residual.
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn


def _act(kind: str, num_feat: int) -> nn.Module:
    if kind == "prelu":
        return nn.PReLU(num_parameters=num_feat)
    if kind == "relu":
        return nn.ReLU(inplace=True)
    return nn.LeakyReLU(negative_slope=0.1, inplace=True)


class SRVGGNetCompact(nn.Module):
    def __init__(
        self,
        num_in_ch: int = 3,
        num_out_ch: int = 3,
        num_feat: int = 64,
        num_conv: int = 16,
        upscale: int = 4,
        act_type: str = "prelu",
    ) -> None:
        super().__init__()
        self.scale, self.in_ch, self.out_ch = upscale, num_in_ch, num_out_ch
        body: list[nn.Module] = [nn.Conv2d(num_in_ch, num_feat, 3, 1, 1), _act(act_type, num_feat)]
        for _ in range(num_conv):
            body += [nn.Conv2d(num_feat, num_feat, 3, 1, 1), _act(act_type, num_feat)]
        body.append(nn.Conv2d(num_feat, num_out_ch * upscale * upscale, 3, 1, 1))
        self.body = nn.ModuleList(body)
        self.upsampler = nn.PixelShuffle(upscale)
        #: receptive radius in input pixels: tiles overlapping this much match untiled output
        self.halo = num_conv + 2
        #: rough fp32 activation bytes per input pixel at inference (two live feature maps)
        self.bytes_per_px = 4 * (3 * num_feat + 3 * num_out_ch * upscale * upscale)

    def forward(self, x: Tensor) -> Tensor:
        out = x
        for layer in self.body:
            out = layer(out)  # (B, F, h, w) … (B, C*s*s, h, w)
        out = self.upsampler(out)  # (B, C, h*s, w*s)
        return out + F.interpolate(x, scale_factor=self.scale, mode="nearest")
