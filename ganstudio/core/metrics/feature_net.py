"""A small feature network for the procedural faces: the built-in extractor.

Inception features need a 92 MB file we cannot ship; this classifier (about
100 k parameters, trained by ``scripts/train_feature_net.py`` on procedural
faces) is bundled instead.  Its penultimate layer (128-d) gives the features
for FID, KID and precision/recall; its 20 class logits (hair colour × glasses ×
beard) give the Inception Score.  It knows faces like the procedural ones:
numbers on other images are meaningful only relative to each other, and
never comparable with Inception-based figures.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors import SafetensorError
from safetensors.torch import load_file
from torch import nn

from ganstudio.core import checkpoints, paths
from ganstudio.core.checkpoints import CheckpointError
from ganstudio.core.model_header import read_metadata

#: resources/models/metrics/ is not scanned for generative models (only *.safetensors
#: directly in resources/models are), so the extractor never shows in `ganstudio models`
BUNDLED = paths.resources_dir() / "models" / "metrics" / "feature-net-faces-32.safetensors"
INPUT_SIZE = 32
FEATURE_DIM = 128
#: the IS classes: every combination of these procedural attributes
CLASS_ATTRIBUTES = ("hair_colour", "glasses", "beard")
NUM_CLASSES = 5 * 2 * 2
NUM_BACKGROUNDS = 6
#: continuous attributes the network also regresses, so its features see them
REGRESSED = ("smile", "hair_length", "skin_tone", "age", "head_turn", "eye_open")


class FaceFeatureNet(nn.Module):
    """32×32 RGB → 128-d features → class logits, background logits, attribute values."""

    def __init__(self) -> None:
        super().__init__()

        def block(cin: int, cout: int) -> list[nn.Module]:
            return [
                nn.Conv2d(cin, cout, 3, padding=1),
                nn.BatchNorm2d(cout),
                nn.LeakyReLU(0.1),
                nn.Conv2d(cout, cout, 3, stride=2, padding=1),
                nn.BatchNorm2d(cout),
                nn.LeakyReLU(0.1),
            ]

        self.body = nn.Sequential(*block(3, 24), *block(24, 48), *block(48, 64))
        self.embed = nn.Linear(64 * 4 * 4, FEATURE_DIM)
        self.classes = nn.Linear(FEATURE_DIM, NUM_CLASSES)
        self.background = nn.Linear(FEATURE_DIM, NUM_BACKGROUNDS)
        self.regress = nn.Linear(FEATURE_DIM, len(REGRESSED))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        h = self.body(x).flatten(1)  # (B, 64·4·4)
        return F.leaky_relu(self.embed(h), 0.1)  # (B, 128)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        f = self.features(x)
        return self.classes(f), self.background(f), self.regress(f)


def prepare_input(images: torch.Tensor) -> torch.Tensor:
    """Images in [-1, 1], any size → (B, 3, 32, 32) (area resampling when shrinking)."""
    x = images.float()
    if x.size(1) == 1:
        x = x.expand(-1, 3, -1, -1)
    if x.shape[-2:] != (INPUT_SIZE, INPUT_SIZE):
        shrink = x.shape[-1] > INPUT_SIZE
        x = F.interpolate(
            x,
            size=(INPUT_SIZE, INPUT_SIZE),
            mode="area" if shrink else "bilinear",
            align_corners=None if shrink else False,
        )
    return x


class FeatureNetFeatures:
    """The bundled feature network as a metrics extractor."""

    def __init__(
        self, path: str | os.PathLike[str] | None = None, device: str | torch.device = "cpu"
    ) -> None:
        file = Path(path) if path is not None else BUNDLED
        meta = read_metadata(file)
        try:
            tensors = load_file(str(file))  # stored in fp16; the module computes in fp32
        except (SafetensorError, OSError) as exc:
            raise CheckpointError(f"{file}: damaged feature network ({exc})") from None
        net = FaceFeatureNet()
        checkpoints.load_strict(net, tensors, file.name)
        self.device = torch.device(device)
        self.net = net.eval().to(self.device)
        self.name = f"feature-net-faces-{meta.get('version', 1)}"
        self.dim = FEATURE_DIM
        self.input_size = INPUT_SIZE

    @torch.no_grad()
    def features_and_logits(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = prepare_input(images.to(self.device))
        f = self.net.features(x)
        return f.cpu(), self.net.classes(f).cpu()

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        return self.features_and_logits(images)[0]
