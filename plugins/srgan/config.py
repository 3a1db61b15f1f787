"""Configs of the super-resolution variants (no torch: read at discovery).

Every SR generator maps a low-resolution image in [0, 1] to one ``scale``
times larger in [0, 1] (the convention of BasicSR and Real-ESRGAN, so
imported weights work unchanged).  ``resolution`` is the high-resolution
training crop; the low-resolution input is made from it on the fly.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class SRTrainConfig:
    """Training knobs shared by every SR variant."""

    scale: int = 4
    channels: int = 3
    resolution: int = 128  # HR patch size; LR patches are resolution // scale
    lr: float = 2e-4
    beta1: float = 0.9
    beta2: float = 0.99
    pixel_weight: float = 1.0  # L1
    perceptual_weight: float = 1.0  # VGG19 conv5_4, or D feature matching without VGG
    adv_weight: float = 0.005  # 0 trains the generator alone (PSNR-oriented)
    vgg_weights: str = ""  # local torchvision vgg19 state dict (.pth); never downloaded
    objective: str = ""  # empty: relativistic average BCE (ESRGAN)
    blur_prob: float = 0.0  # Gaussian blur before down-sampling
    blur_sigma: float = 1.5  # max sigma
    noise_prob: float = 0.0  # Gaussian noise after down-sampling
    noise_sigma: float = 10.0  # max sigma, in 8-bit levels
    jpeg_prob: float = 0.0  # JPEG round trip (Pillow, on the CPU) after noise
    jpeg_quality: int = 40  # lowest quality drawn; the highest is 95

    def validate(self) -> None:
        if self.scale not in self._scales():
            raise ValueError(f"scale must be one of {self._scales()}, got {self.scale}")
        if self.channels not in (1, 3):
            raise ValueError("channels must be 1 or 3")
        if self.resolution % (self.scale * 4) or self.resolution < max(16, self.scale * 8):
            raise ValueError(
                f"resolution must be a multiple of {self.scale * 4}, "
                f"at least {max(16, self.scale * 8)}"
            )
        for name in ("blur_prob", "noise_prob", "jpeg_prob"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be in [0, 1]")
        if not 1 <= self.jpeg_quality <= 95:
            raise ValueError("jpeg_quality must be in [1, 95]")

    def _scales(self) -> tuple[int, ...]:
        return (2, 4, 8)


@dataclass
class SRGANConfig(SRTrainConfig):
    """Ledig et al. 2017: SRResNet generator (BN + PReLU blocks), VGG-style critic."""

    num_feat: int = 64
    num_block: int = 16
    d_feat: int = 64


@dataclass
class ESRGANConfig(SRTrainConfig):
    """Wang et al. 2018: RRDBNet (BasicSR layout); x2/x1 through pixel-unshuffle."""

    num_feat: int = 64
    num_block: int = 23
    num_grow_ch: int = 32
    d_feat: int = 64

    def _scales(self) -> tuple[int, ...]:
        return (1, 2, 4)


@dataclass
class SRVGGConfig(SRTrainConfig):
    """Real-ESRGAN's SRVGGNetCompact: plain convs at low resolution, one pixel shuffle."""

    num_feat: int = 64
    num_conv: int = 16
    act: str = "prelu"  # prelu | relu | leakyrelu
    d_feat: int = 64

    def _scales(self) -> tuple[int, ...]:
        return (1, 2, 3, 4, 8)

    def validate(self) -> None:
        if self.act not in ("prelu", "relu", "leakyrelu"):
            raise ValueError("act must be prelu, relu or leakyrelu")
        super().validate()
