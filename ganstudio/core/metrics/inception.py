"""Inception-v3 exactly as pytorch-fid builds it, from a local weights file.

FID numbers are comparable across papers only with the network the original
TensorFlow FID used.  pytorch-fid ports it as torchvision's Inception-v3 with
1008 classes and four patched block types (average pools that ignore padding;
a max pool in the last block) and publishes the weights as
``pt_inception-2015-12-05-6726825d.pth``.  We rebuild that architecture with
the same parameter names, so that file loads strictly, and feed it the way
pytorch-fid does: RGB in [0, 1], bilinear resize to 299×299
(``align_corners=False``), then scaled to [-1, 1].  Features are the 2048-d
output of the final average pool (pool3); the 1008 class logits feed the
Inception Score.  Nothing is downloaded: the user supplies the file (see the
README, "Measuring models").
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from torchvision.models import inception as tv

from ganstudio.errors import UserError

WEIGHTS_NAME = "pt_inception-2015-12-05-6726825d.pth"
FEATURE_DIM = 2048
NUM_CLASSES = 1008


def _avg_pool_no_pad(x: torch.Tensor) -> torch.Tensor:
    """TensorFlow's 3×3 average pool: padded zeros do not count in the mean."""
    return F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False)


class FIDInceptionA(tv.InceptionA):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b1 = self.branch1x1(x)
        b5 = self.branch5x5_2(self.branch5x5_1(x))
        b3 = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        bp = self.branch_pool(_avg_pool_no_pad(x))
        return torch.cat([b1, b5, b3, bp], 1)


class FIDInceptionC(tv.InceptionC):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b1 = self.branch1x1(x)
        b7 = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        bd = x
        for layer in (
            self.branch7x7dbl_1,
            self.branch7x7dbl_2,
            self.branch7x7dbl_3,
            self.branch7x7dbl_4,
            self.branch7x7dbl_5,
        ):
            bd = layer(bd)
        bp = self.branch_pool(_avg_pool_no_pad(x))
        return torch.cat([b1, b7, bd, bp], 1)


class _FIDInceptionE(tv.InceptionE):
    def _pool(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b1 = self.branch1x1(x)
        b3 = self.branch3x3_1(x)
        b3 = torch.cat([self.branch3x3_2a(b3), self.branch3x3_2b(b3)], 1)
        bd = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        bd = torch.cat([self.branch3x3dbl_3a(bd), self.branch3x3dbl_3b(bd)], 1)
        bp = self.branch_pool(self._pool(x))
        return torch.cat([b1, b3, bd, bp], 1)


class FIDInceptionE_1(_FIDInceptionE):  # noqa: N801 - pytorch-fid's name
    def _pool(self, x: torch.Tensor) -> torch.Tensor:
        return _avg_pool_no_pad(x)


class FIDInceptionE_2(_FIDInceptionE):  # noqa: N801 - pytorch-fid's name
    def _pool(self, x: torch.Tensor) -> torch.Tensor:
        # the FID network max-pools here (a quirk of the TF graph pytorch-fid reproduces)
        return F.max_pool2d(x, kernel_size=3, stride=1, padding=1)


class FIDInceptionV3(nn.Module):
    """The FID Inception network; parameter names match pytorch-fid's weights file."""

    Conv2d_1a_3x3: nn.Module  # registered by name in __init__ (torchvision's names)
    Conv2d_2a_3x3: nn.Module
    Conv2d_2b_3x3: nn.Module
    Conv2d_3b_1x1: nn.Module
    Conv2d_4a_3x3: nn.Module
    fc: nn.Module

    def __init__(self) -> None:
        super().__init__()
        net = tv.inception_v3(
            weights=None, num_classes=NUM_CLASSES, aux_logits=False, init_weights=False
        )
        net.Mixed_5b = FIDInceptionA(192, pool_features=32)
        net.Mixed_5c = FIDInceptionA(256, pool_features=64)
        net.Mixed_5d = FIDInceptionA(288, pool_features=64)
        net.Mixed_6b = FIDInceptionC(768, channels_7x7=128)
        net.Mixed_6c = FIDInceptionC(768, channels_7x7=160)
        net.Mixed_6d = FIDInceptionC(768, channels_7x7=160)
        net.Mixed_6e = FIDInceptionC(768, channels_7x7=192)
        net.Mixed_7b = FIDInceptionE_1(1280)
        net.Mixed_7c = FIDInceptionE_2(2048)
        # the same attribute names as torchvision's Inception3, hence the same state-dict keys
        for name, module in net.named_children():
            if name not in ("AuxLogits", "avgpool", "dropout", "maxpool1", "maxpool2"):
                self.add_module(name, module)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, 3, 299, 299) in [-1, 1] → ((B, 2048) pool3 features, (B, 1008) logits)."""
        x = self.Conv2d_2b_3x3(self.Conv2d_2a_3x3(self.Conv2d_1a_3x3(x)))
        x = F.max_pool2d(x, kernel_size=3, stride=2)  # (B, 64, 73, 73)
        x = self.Conv2d_4a_3x3(self.Conv2d_3b_1x1(x))
        x = F.max_pool2d(x, kernel_size=3, stride=2)  # (B, 192, 35, 35)
        for name in ("5b", "5c", "5d", "6a", "6b", "6c", "6d", "6e", "7a", "7b", "7c"):
            x = getattr(self, f"Mixed_{name}")(x)
        feats = F.adaptive_avg_pool2d(x, 1).flatten(1)  # (B, 2048)
        return feats, self.fc(feats)


def prepare_input(images: torch.Tensor) -> torch.Tensor:
    """Images in [-1, 1] → the network's input, as pytorch-fid computes it.

    pytorch-fid reads images to [0, 1], resizes them bilinearly to 299×299
    without corner alignment, then maps them to [-1, 1] (``2x − 1``).
    """
    x = images.float()
    if x.size(1) == 1:
        x = x.expand(-1, 3, -1, -1)
    x = (x + 1) / 2
    x = F.interpolate(x, size=(299, 299), mode="bilinear", align_corners=False)
    return 2 * x - 1


def _file_id(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:12]


class InceptionFeatures:
    """The FID extractor: pool3 features and class logits of the FID Inception network."""

    def __init__(
        self,
        weights: str | os.PathLike[str] | None = None,
        device: str | torch.device = "cpu",
        *,
        state_dict: dict[str, torch.Tensor] | None = None,
    ) -> None:
        if state_dict is None:
            if weights is None:
                raise ValueError("give the weights file or a state dict")
            path = Path(weights).expanduser()
            if not path.is_file():
                raise UserError(
                    f"{path}: no such Inception weights file (get {WEIGHTS_NAME}: see the "
                    "README, 'Measuring models')"
                )
            try:
                state_dict = torch.load(path, map_location="cpu", weights_only=True)
            except Exception as exc:  # damaged or not a state dict: one line, no traceback
                raise UserError(f"{path}: not a readable PyTorch weights file ({exc})") from None
            self.name = f"inception-fid-{_file_id(path)}"
        else:
            self.name = "inception-fid-unsaved"
        if not isinstance(state_dict, dict):
            raise UserError(f"{weights}: does not hold a state dict")
        with torch.device("meta"):  # no time spent on random weights about to be replaced
            net = FIDInceptionV3()
        try:
            missing, unexpected = net.load_state_dict(state_dict, strict=False, assign=True)
        except RuntimeError as exc:  # a tensor of the wrong shape
            detail = " ".join(str(exc).split())[:200]
            raise UserError(f"{weights}: not pytorch-fid's Inception weights ({detail})") from None
        if missing or unexpected:
            first = (missing or unexpected)[0]
            what = "lacks" if missing else "has an unexpected"
            raise UserError(
                f"{weights}: not pytorch-fid's Inception weights (the file {what} key {first!r})"
            )
        self.device = torch.device(device)
        self.net = net.eval().to(self.device)
        self.dim = FEATURE_DIM
        self.input_size = 299

    @torch.no_grad()
    def features_and_logits(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        feats, logits = self.net(prepare_input(images.to(self.device)))
        return feats.cpu(), logits.cpu()

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        return self.features_and_logits(images)[0]
