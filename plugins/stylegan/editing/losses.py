"""Reconstruction distances for projection: multi-scale pixels + edges, or VGG16 features.

The VGG16 distance follows LPIPS (Zhang et al. 2018) without its learned
per-channel weights: unit-normalised activations of the five conv blocks,
squared differences averaged.  It needs the user's own VGG16 weights file
(torchvision's ``vgg16`` state dict, read with ``weights_only=True``); nothing
is ever downloaded.  Without one, the pixel + gradient pyramid is used.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor

from ganstudio.core.specs import ParamError

Distance = Callable[[Tensor, Tensor], Tensor]

_VGG_BLOCK_ENDS = (4, 9, 16, 23, 30)  # relu1_2, relu2_2, relu3_3, relu4_3, relu5_3 (+1)
_IMAGENET_MEAN = (0.485, 0.456, 0.406)
_IMAGENET_STD = (0.229, 0.224, 0.225)


def pixel_pyramid(x: Tensor, y: Tensor, levels: int = 4) -> Tensor:
    """MSE plus L1 of the pixels and of their horizontal/vertical differences at every level
    of an image pyramid: a cheap perceptual proxy that rewards structure at each scale."""
    loss = F.mse_loss(x, y)
    for _ in range(levels):
        loss = loss + F.l1_loss(x, y)
        loss = loss + F.l1_loss(x.diff(dim=-1), y.diff(dim=-1))
        loss = loss + F.l1_loss(x.diff(dim=-2), y.diff(dim=-2))
        if x.shape[-1] <= 8:
            break
        x, y = F.avg_pool2d(x, 2), F.avg_pool2d(y, 2)
    return loss


class VGGDistance(torch.nn.Module):
    """LPIPS-style distance on a frozen VGG16's features (inputs in [-1, 1])."""

    mean: Tensor
    std: Tensor

    def __init__(self, features: torch.nn.Sequential) -> None:
        super().__init__()
        self.features = features.eval().requires_grad_(False)
        self.register_buffer("mean", torch.tensor(_IMAGENET_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(_IMAGENET_STD).view(1, 3, 1, 1))

    def _acts(self, x: Tensor) -> list[Tensor]:
        side = x.shape[-1]
        if side < 128:  # VGG sees too little of a 32 px face: enlarge it first
            x = F.interpolate(x, size=(128, 128), mode="bilinear", align_corners=False)
        elif side > 256:  # as StyleGAN2's projector: compare at 256 px
            x = F.interpolate(x, size=(256, 256), mode="area")
        x = ((x + 1) / 2 - self.mean) / self.std
        out, start = [], 0
        for end in _VGG_BLOCK_ENDS:
            x = self.features[start:end](x)
            out.append(x / (x.pow(2).sum(1, keepdim=True).sqrt() + 1e-10))
            start = end
        return out

    def forward(self, x: Tensor, y: Tensor) -> Tensor:
        total = torch.zeros((), device=x.device)
        for a, b in zip(self._acts(x), self._acts(y), strict=True):
            total = total + ((a - b) ** 2).sum(1).mean()
        return total


def load_vgg16(path: str | Path, device: torch.device) -> VGGDistance:
    """torchvision's VGG16 with the user's weights (a ``.pth`` state dict); clear errors for
    a missing, foreign or damaged file."""
    from torchvision.models.vgg import cfgs, make_layers

    p = Path(path).expanduser()
    if not p.is_file():
        raise ParamError(f"vgg_weights: {p}: no such file")
    try:
        state = torch.load(p, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 — any unreadable file is the user's to fix
        raise ParamError(f"vgg_weights: {p.name} is not a readable weights file ({exc})") from None
    if isinstance(state, dict) and "state_dict" in state:
        state = state["state_dict"]
    if not isinstance(state, dict):
        raise ParamError(f"vgg_weights: {p.name} holds no state dict")
    features = make_layers(cfgs["D"], batch_norm=False)  # vgg16().features, no classifier
    feats = {
        k[len("features.") :]: v
        for k, v in state.items()
        if isinstance(k, str) and k.startswith("features.")
    }
    try:
        features.load_state_dict(feats, strict=True)
    except RuntimeError as exc:
        first = str(exc).splitlines()[0]
        raise ParamError(f"vgg_weights: {p.name} is not torchvision's VGG16 ({first})") from None
    return VGGDistance(features[:30]).to(device)


def make_distance(vgg_weights: str, device: torch.device) -> tuple[Distance, str]:
    """The projector's distance and its name for the report."""
    if vgg_weights.strip():
        vgg = load_vgg16(vgg_weights, device)
        return (lambda x, y: vgg(x, y) + F.mse_loss(x, y)), "vgg16-lpips"
    return pixel_pyramid, "pixel-gradient-pyramid"
