"""ESRGAN's RRDBNet in BasicSR's layout and key names.

``conv_first``, ``body.N.rdb{1,2,3}.conv{1..5}``, ``conv_body``, ``conv_up1``,
``conv_up2``, ``conv_hr``, ``conv_last`` — as XPixelGroup/BasicSR
``basicsr/archs/rrdbnet_arch.py``.  Scales 2 and 1 fold the input with a pixel
unshuffle first and reuse the x4 trunk, as Real-ESRGAN does.  In CPU inference
each convolution's leaky ReLU or residual add runs fused with it (``fused.py``).
"""

from __future__ import annotations

from collections.abc import Generator

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .fused import conv_lrelu, conv_scaled_add


class ResidualDenseBlock(nn.Module):
    def __init__(self, num_feat: int = 64, num_grow_ch: int = 32) -> None:
        super().__init__()
        f, g = num_feat, num_grow_ch
        self.conv1 = nn.Conv2d(f, g, 3, 1, 1)
        self.conv2 = nn.Conv2d(f + g, g, 3, 1, 1)
        self.conv3 = nn.Conv2d(f + 2 * g, g, 3, 1, 1)
        self.conv4 = nn.Conv2d(f + 3 * g, g, 3, 1, 1)
        self.conv5 = nn.Conv2d(f + 4 * g, f, 3, 1, 1)

    def forward(self, x: Tensor) -> Tensor:
        x1 = conv_lrelu(x, self.conv1)
        x2 = conv_lrelu(torch.cat((x, x1), 1), self.conv2)
        x3 = conv_lrelu(torch.cat((x, x1, x2), 1), self.conv3)
        x4 = conv_lrelu(torch.cat((x, x1, x2, x3), 1), self.conv4)
        # conv5(cat) * 0.2 + x: (B, f, h, w)
        return conv_scaled_add(torch.cat((x, x1, x2, x3, x4), 1), self.conv5, x, 0.2)


class RRDB(nn.Module):
    def __init__(self, num_feat: int, num_grow_ch: int = 32) -> None:
        super().__init__()
        self.rdb1 = ResidualDenseBlock(num_feat, num_grow_ch)
        self.rdb2 = ResidualDenseBlock(num_feat, num_grow_ch)
        self.rdb3 = ResidualDenseBlock(num_feat, num_grow_ch)

    def forward(self, x: Tensor) -> Tensor:
        return self.rdb3(self.rdb2(self.rdb1(x))) * 0.2 + x


class RRDBNet(nn.Module):
    def __init__(
        self,
        num_in_ch: int = 3,
        num_out_ch: int = 3,
        scale: int = 4,
        num_feat: int = 64,
        num_block: int = 23,
        num_grow_ch: int = 32,
    ) -> None:
        super().__init__()
        if scale not in (1, 2, 4):
            raise ValueError(f"RRDBNet supports scale 1, 2 or 4, not {scale}")
        self.scale, self.in_ch, self.out_ch = scale, num_in_ch, num_out_ch
        self.fold = 4 // scale  # pixel-unshuffle factor before the x4 trunk
        self.conv_first = nn.Conv2d(num_in_ch * self.fold**2, num_feat, 3, 1, 1)
        self.body = nn.Sequential(*(RRDB(num_feat, num_grow_ch) for _ in range(num_block)))
        self.conv_body = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_up1 = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_up2 = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_hr = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_last = nn.Conv2d(num_feat, num_out_ch, 3, 1, 1)
        # 15 convs per RRDB at 1/fold resolution; capped: far pixels barely matter in practice
        self.halo = min(64, self.fold * (15 * num_block + 2) + 2)
        cat = num_feat + 4 * num_grow_ch
        self.bytes_per_px = 4 * (2 * cat // self.fold**2 + 3 * num_feat * scale * scale)

    def _head(self, x: Tensor) -> Tensor:
        # (B, C*fold², h/fold, w/fold) → (B, F, h/fold, w/fold)
        return self.conv_first(F.pixel_unshuffle(x, self.fold) if self.fold > 1 else x)

    def _tail(self, feat: Tensor, body: Tensor) -> Tensor:
        feat = conv_scaled_add(body, self.conv_body, feat, 1.0)
        feat = conv_lrelu(F.interpolate(feat, scale_factor=2, mode="nearest"), self.conv_up1)
        feat = conv_lrelu(F.interpolate(feat, scale_factor=2, mode="nearest"), self.conv_up2)
        return self.conv_last(conv_lrelu(feat, self.conv_hr))  # (B, C, h*s, w*s)

    def forward(self, x: Tensor) -> Tensor:
        feat = self._head(x)
        return self._tail(feat, self.body(feat))

    def forward_steps(self, x: Tensor) -> Generator[float, None, Tensor]:
        """``forward`` that yields the fraction done after each RRDB and returns the output.

        A 512 px tile takes half a minute on a laptop CPU: stepping through the
        trunk lets the action report progress and be cancelled inside a tile.
        """
        feat = self._head(x)
        body = feat
        for i, block in enumerate(self.body):
            body = block(body)
            yield (i + 1) / (len(self.body) + 1)
        return self._tail(feat, body)
