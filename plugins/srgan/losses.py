"""SR losses: the relativistic adversarial default and the VGG19 perceptual loss."""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

_MEAN = (0.485, 0.456, 0.406)
_STD = (0.229, 0.224, 0.225)


class RelativisticBCE:
    """ESRGAN's relativistic average GAN loss, in the objective interface.

    ``g_loss`` needs the real scores too, so it takes them as an argument.
    """

    def d_loss(self, real: Tensor, fake: Tensor) -> Tensor:
        return 0.5 * (
            F.binary_cross_entropy_with_logits(real - fake.mean(), torch.ones_like(real))
            + F.binary_cross_entropy_with_logits(fake - real.mean(), torch.zeros_like(fake))
        )

    def g_loss(self, fake: Tensor, real: Tensor) -> Tensor:
        return 0.5 * (
            F.binary_cross_entropy_with_logits(real - fake.mean(), torch.zeros_like(real))
            + F.binary_cross_entropy_with_logits(fake - real.mean(), torch.ones_like(fake))
        )

    def penalty(self, D: nn.Module, real: Tensor, fake: Tensor) -> Tensor:
        return real.new_zeros(())


class VGGPerceptual(nn.Module):
    """L1 between VGG19 conv5_4 features (before ReLU), as ESRGAN uses.

    Weights come from a local torchvision ``vgg19`` state dict; nothing is
    downloaded, and the file is read with ``weights_only=True``.
    """

    def __init__(self, weights: str | Path) -> None:
        super().__init__()
        from torchvision.models import vgg19

        net = vgg19(weights=None)
        state = torch.load(Path(weights).expanduser(), map_location="cpu", weights_only=True)
        if isinstance(state, dict) and "state_dict" in state:
            state = state["state_dict"]
        net.load_state_dict(state)
        self.features = net.features[:35].eval().requires_grad_(False)  # up to conv5_4
        self.register_buffer("mean", torch.tensor(_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(_STD).view(1, 3, 1, 1))

    def forward(self, sr: Tensor, hr: Tensor) -> Tensor:
        """Images in [0, 1]; greyscale is repeated to three channels."""
        if sr.shape[1] == 1:
            sr, hr = sr.repeat(1, 3, 1, 1), hr.repeat(1, 3, 1, 1)
        f_sr = self.features((sr - self.mean) / self.std)
        with torch.no_grad():
            f_hr = self.features((hr - self.mean) / self.std)
        return F.l1_loss(f_sr, f_hr)

