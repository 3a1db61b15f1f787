"""SRGAN (Ledig et al. 2017): the SRResNet generator and the VGG-style discriminator.

The generator is a 9x9 head with PReLU, residual blocks of conv-BN-PReLU-conv-BN,
a conv-BN with a long skip, x2 PixelShuffle stages with PReLU, and a 9x9 tail.
The discriminator is used by every SR variant here; it pools adaptively so it
takes any patch size, and can return its features for feature matching.
"""

from __future__ import annotations

import math

from torch import Tensor, nn


class ResidualBlock(nn.Module):
    def __init__(self, f: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(f, f, 3, 1, 1),
            nn.BatchNorm2d(f),
            nn.PReLU(f),
            nn.Conv2d(f, f, 3, 1, 1),
            nn.BatchNorm2d(f),
        )

    def forward(self, x: Tensor) -> Tensor:
        return x + self.body(x)


class SRResNet(nn.Module):
    def __init__(
        self,
        num_in_ch: int = 3,
        num_out_ch: int = 3,
        num_feat: int = 64,
        num_block: int = 16,
        scale: int = 4,
    ) -> None:
        super().__init__()
        if scale not in (2, 4, 8):
            raise ValueError(f"SRGAN supports scale 2, 4 or 8, not {scale}")
        self.scale, self.in_ch, self.out_ch = scale, num_in_ch, num_out_ch
        f = num_feat
        self.head = nn.Sequential(nn.Conv2d(num_in_ch, f, 9, 1, 4), nn.PReLU(f))
        self.body = nn.Sequential(*(ResidualBlock(f) for _ in range(num_block)))
        self.body_out = nn.Sequential(nn.Conv2d(f, f, 3, 1, 1), nn.BatchNorm2d(f))
        ups: list[nn.Module] = []
        for _ in range(int(math.log2(scale))):
            ups += [nn.Conv2d(f, f * 4, 3, 1, 1), nn.PixelShuffle(2), nn.PReLU(f)]  # x2 each
        self.upsample = nn.Sequential(*ups)
        self.tail = nn.Conv2d(f, num_out_ch, 9, 1, 4)
        self.halo = min(64, 4 + 2 * num_block + 1 + 2)
        self.bytes_per_px = 4 * (3 * f + 6 * f * scale * scale)

    def forward(self, x: Tensor) -> Tensor:
        feat = self.head(x)  # (B, f, h, w)
        feat = feat + self.body_out(self.body(feat))
        return self.tail(self.upsample(feat))  # (B, C, h*s, w*s)


class SRDiscriminator(nn.Module):
    """Eight conv-(BN)-LeakyReLU layers halving four times, then a small dense head."""

    def __init__(self, num_in_ch: int = 3, num_feat: int = 64) -> None:
        super().__init__()
        f = num_feat
        widths = [f, f, 2 * f, 2 * f, 4 * f, 4 * f, 8 * f, 8 * f]
        layers: list[nn.Module] = []
        c_in = num_in_ch
        for i, c in enumerate(widths):
            stride = 2 if i % 2 else 1
            block: list[nn.Module] = [nn.Conv2d(c_in, c, 3, stride, 1, bias=i == 0)]
            if i:
                block.append(nn.BatchNorm2d(c))
            block.append(nn.LeakyReLU(0.2, inplace=True))
            layers.append(nn.Sequential(*block))
            c_in = c
        self.features = nn.ModuleList(layers)
        self.head = nn.Sequential(
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
            nn.Linear(8 * f, 16 * f),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Linear(16 * f, 1),
        )

    def forward(self, x: Tensor, return_features: bool = False):  # noqa: ANN201
        feats = []
        for layer in self.features:
            x = layer(x)  # (B, c, h/2^k, w/2^k)
            feats.append(x)
        score = self.head(x).view(-1)  # (B,)
        return (score, feats) if return_features else score
