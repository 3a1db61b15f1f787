"""SR losses: the relativistic adversarial default and the VGG19 perceptual loss."""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ganstudio.errors import UserError

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


class VGGWeightsError(UserError, ValueError):
    """The file given as VGG19 weights is not a torchvision VGG19 state dict."""


class VGGPerceptual(nn.Module):
    mean: Tensor  # buffers (typed here: Module.__getattr__ would say Tensor | Module)
    std: Tensor

    """L1 between VGG19 conv5_4 features (before ReLU), as ESRGAN uses.

    Weights come from a local torchvision ``vgg19`` state dict (the full model,
    or only its ``features.*`` entries); nothing is downloaded, and the file is
    read with ``weights_only=True``.
    """

    #: torchvision vgg19.features[:35] ends at conv5_4, before its ReLU
    LAYERS = 35

    def __init__(self, weights: str | Path) -> None:
        super().__init__()
        from torchvision.models import vgg19

        path = Path(weights).expanduser()
        if not path.is_file():
            raise FileNotFoundError(f"VGG19 weights not found: {path}")
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as exc:  # noqa: BLE001 - not a (weights-only) PyTorch file
            raise VGGWeightsError(f"{path} cannot be read as PyTorch weights: {exc}") from None
        if isinstance(state, dict) and "state_dict" in state:
            state = state["state_dict"]
        if not isinstance(state, dict):
            raise VGGWeightsError(f"{path} is not a VGG19 state dict")
        with torch.device("meta"):  # the classifier's 120M weights are never needed
            features = vgg19(weights=None).features[: self.LAYERS]
        wanted = {f"features.{k}": k for k in features.state_dict()}
        missing = sorted(set(wanted) - set(state))
        if missing:
            raise VGGWeightsError(
                f"{path} is not a torchvision VGG19 state dict (no "
                f"{missing[0]}); the perceptual loss needs conv1_1 … conv5_4"
            )
        try:
            features.load_state_dict(
                {k: state[full].float() for full, k in wanted.items()}, assign=True
            )
        except (RuntimeError, AttributeError) as exc:  # another network under VGG19's names
            raise VGGWeightsError(f"{path} does not match VGG19: {exc}") from None
        self.features = features.eval().requires_grad_(False)
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
