"""A small CNN that reads attribute scores off images: the labeller for InterFaceGAN.

Generated samples carry no labels; a classifier trained on the labelled data
set scores them, and directions are fitted to those scores.  It regresses every
label entry at once (binary and one-hot entries become probabilities-like
scores, continuous ones their value), on images resized to at most 64 px.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ganstudio.core.specs import Progress


class AttributeClassifier(nn.Module):
    label_mean: Tensor  # buffers (typed here: Module.__getattr__ would say Tensor | Module)
    label_std: Tensor
    """(B, 3, S, S) in [-1, 1] -> (B, L) scores; S = 32 or 64."""

    def __init__(self, n_labels: int, size: int = 32, width: int = 32) -> None:
        super().__init__()
        self.size = size
        layers: list[nn.Module] = []
        ch, res = 3, size
        for i in range(3 if size <= 32 else 4):
            out = width * min(2**i, 4)
            if i:  # a second conv per stage past the first: detail (a smile) without cost
                layers += [nn.Conv2d(ch, ch, 3, 1, 1), nn.BatchNorm2d(ch), nn.LeakyReLU(0.2)]
            layers += [nn.Conv2d(ch, out, 3, 2, 1), nn.BatchNorm2d(out), nn.LeakyReLU(0.2)]
            ch, res = out, res // 2
        self.features = nn.Sequential(*layers)  # (B, ch, 4, 4)
        self.head = nn.Linear(ch * res * res, n_labels)
        # labels are learnt standardised (each attribute weighs the same) and given back raw
        self.register_buffer("label_mean", torch.zeros(n_labels))
        self.register_buffer("label_std", torch.ones(n_labels))

    def standardised(self, x: Tensor) -> Tensor:
        if x.shape[-1] != self.size:
            x = F.interpolate(x, size=(self.size, self.size), mode="area")
        return self.head(self.features(x).flatten(1))  # (B, L)

    def forward(self, x: Tensor) -> Tensor:
        return self.standardised(x) * self.label_std + self.label_mean  # (B, L)


def classifier_size(resolution: int) -> int:
    return 32 if resolution <= 32 else 64


def load_labelled(dataset: Any, count: int) -> tuple[Tensor, Tensor]:
    """The first ``count`` items of a labelled data set as (N,3,H,W) images and (N,L) labels."""
    n = min(count, len(dataset))
    items = [dataset[i] for i in range(n)]
    if not items or "labels" not in items[0]:
        raise ValueError("the data set has no labels (method=labels needs labelled data)")
    images = torch.stack([it["image"] for it in items]).float()
    labels = torch.stack([torch.as_tensor(it["labels"]) for it in items]).float()
    return images, labels


def train_classifier(
    images: Tensor,
    labels: Tensor,
    steps: int = 300,
    batch: int = 64,
    seed: int = 0,
    size: int = 32,
) -> Generator[Progress, None, AttributeClassifier]:
    """Fit the classifier by MSE on every (standardised) label entry; yields progress,
    returns it in eval mode.

    Horizontal flips are not used: head turn and glasses sides are labelled.
    """
    torch.manual_seed(seed)
    net = AttributeClassifier(labels.shape[1], size)
    net.label_mean.copy_(labels.mean(0))
    net.label_std.copy_(labels.std(0).clamp_min(1e-3))
    target = (labels - net.label_mean) / net.label_std  # (N, L)
    opt = torch.optim.Adam(net.parameters(), lr=2e-3)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=max(steps, 1))
    gen = torch.Generator().manual_seed(seed)
    small = (
        F.interpolate(images, size=(size, size), mode="area")
        if images.shape[-1] != size
        else images
    )
    net.train()
    for step in range(steps):
        idx = torch.randint(len(small), (min(batch, len(small)),), generator=gen)
        loss = F.mse_loss(net.standardised(small[idx]), target[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        if step % 25 == 0 or step == steps - 1:
            yield Progress(
                step + 1,
                steps,
                f"training the attribute classifier: loss {loss:.4f}",
                fraction=(step + 1) / steps,
            )
    return net.eval()


@torch.no_grad()
def score(net: AttributeClassifier, images: Tensor, batch: int = 256) -> Tensor:
    """(N, 3, H, W) -> (N, L) scores on the CPU."""
    return torch.cat([net(images[i : i + batch]) for i in range(0, len(images), batch)])
