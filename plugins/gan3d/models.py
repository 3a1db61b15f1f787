"""The 3D-GAN's networks: a volumetric generator and critic, and an image → z encoder."""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from .config import Gan3DConfig


def _levels(resolution: int) -> int:
    """Doublings from the 4³ core to ``resolution``³."""
    return int(math.log2(resolution // 4))


class Generator3D(nn.Module):
    """z (B, z_dim) → occupancy (B, 1, R, R, R) in [0, 1]."""

    def __init__(self, cfg: Gan3DConfig) -> None:
        super().__init__()
        levels = _levels(cfg.resolution)
        chans = [cfg.width * 2 ** (levels - 1 - i) for i in range(levels)]  # 4³ … R/2³
        self.z_dim = cfg.z_dim
        layers: list[nn.Module] = [
            nn.ConvTranspose3d(cfg.z_dim, chans[0], 4, 1, 0, bias=False),  # (B, c0, 4, 4, 4)
            nn.BatchNorm3d(chans[0]),
            nn.ReLU(True),
        ]
        for c_in, c_out in zip(chans, chans[1:], strict=False):
            layers += [
                nn.ConvTranspose3d(c_in, c_out, 4, 2, 1, bias=False),  # doubles each side
                nn.BatchNorm3d(c_out),
                nn.ReLU(True),
            ]
        layers += [nn.ConvTranspose3d(chans[-1], 1, 4, 2, 1), nn.Sigmoid()]  # (B, 1, R, R, R)
        self.net = nn.Sequential(*layers)

    def forward(self, z: Tensor) -> Tensor:
        return self.net(z.view(z.size(0), -1, 1, 1, 1))


class Critic3D(nn.Module):
    """Occupancy (B, 1, R, R, R) → one score per shape (B, 1): raw logits."""

    def __init__(self, cfg: Gan3DConfig) -> None:
        super().__init__()
        levels = _levels(cfg.resolution)
        chans = [cfg.width * 2**i for i in range(levels)]  # R/2³ … 4³
        layers: list[nn.Module] = []
        c_prev = 1
        for c in chans:
            layers += [nn.Conv3d(c_prev, c, 4, 2, 1), nn.LeakyReLU(0.2, True)]  # halves each side
            c_prev = c
        layers += [nn.Conv3d(c_prev, 1, 4, 1, 0), nn.Flatten()]  # (B, 1)
        self.net = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)


class ImageEncoder(nn.Module):
    """A render or a photo (B, 3, S, S) in [-1, 1] → z (B, z_dim): image → shape."""

    def __init__(self, cfg: Gan3DConfig) -> None:
        super().__init__()
        w = 24
        layers: list[nn.Module] = []
        c_prev, size = 3, cfg.encoder_size
        while size > 4:  # halve down to 4×4
            c = min(w, 96)
            layers += [nn.Conv2d(c_prev, c, 4, 2, 1), nn.BatchNorm2d(c), nn.LeakyReLU(0.2, True)]
            c_prev, size, w = c, size // 2, w * 2
        layers += [nn.Flatten(), nn.Linear(c_prev * 16, cfg.z_dim)]  # (B, z_dim)
        self.net = nn.Sequential(*layers)

    def forward(self, image: Tensor) -> Tensor:
        return self.net(image)


def _init(m: nn.Module) -> None:
    if isinstance(m, (nn.Conv3d, nn.ConvTranspose3d, nn.Conv2d)):
        nn.init.normal_(m.weight, 0.0, 0.02)
        if m.bias is not None:
            nn.init.zeros_(m.bias)
    elif isinstance(m, (nn.BatchNorm3d, nn.BatchNorm2d)):
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


def build(cfg: Gan3DConfig) -> dict[str, nn.Module]:
    G, D = Generator3D(cfg), Critic3D(cfg)
    G.apply(_init)
    D.apply(_init)
    return {"G": G, "D": D}


def build_encoder(cfg: Gan3DConfig) -> ImageEncoder:
    E = ImageEncoder(cfg)
    E.apply(_init)
    return E


@torch.no_grad()
def load_encoder(model: object) -> ImageEncoder | None:
    """The model file's image encoder (extra tensors ``encoder.*``), or None."""
    state = getattr(model, "extras", {}).get("encoder")
    if not state:
        return None
    E = ImageEncoder(model.config)  # type: ignore[attr-defined]
    E.load_state_dict(state, strict=True)
    return E.to(model.device).eval()  # type: ignore[attr-defined]
