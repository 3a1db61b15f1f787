"""Training-time damage: Gaussian noise and random rectangular holes."""

from __future__ import annotations

import torch
from torch import Tensor

from .config import AutoencoderConfig


def random_holes(
    b: int, size: int, device: torch.device, gen: torch.Generator | None = None
) -> Tensor:
    """(B, 1, S, S) masks of one or two rectangles, each 15–50 % of the side: 1 = hole."""
    hole = torch.zeros(b, 1, size, size, device=device)
    draws = torch.rand(b, 2, 5, generator=gen)  # (B, rect, [w, h, x, y, present])
    for i in range(b):
        for r in range(2):
            w_f, h_f, x_f, y_f, present = draws[i, r].tolist()
            if r == 1 and present < 0.5:
                continue
            w, h = max(2, int(size * (0.15 + 0.35 * w_f))), max(2, int(size * (0.15 + 0.35 * h_f)))
            x, y = int((size - w) * x_f), int((size - h) * y_f)
            hole[i, 0, y : y + h, x : x + w] = 1.0
    return hole


def corrupt(images: Tensor, cfg: AutoencoderConfig) -> tuple[Tensor, Tensor]:
    """(damaged images, hole mask) for a batch in [-1, 1], as ``cfg.corrupt`` says.

    Each row is damaged with probability ``corrupt_prob``; with ``both`` it gets
    noise or a hole, half and half.  The hole mask is zero where nothing is missing.
    """
    b, _, size, _ = images.shape
    hole = images.new_zeros(b, 1, size, size)
    if cfg.corrupt == "none" or cfg.corrupt_prob <= 0:
        return images, hole
    damaged = torch.rand(b, device=images.device) < cfg.corrupt_prob  # (B,)
    use_hole = {
        "mask": torch.ones_like(damaged),
        "noise": torch.zeros_like(damaged),
        "both": torch.rand(b, device=images.device) < 0.5,
    }[cfg.corrupt]
    holes = random_holes(b, size, images.device).to(images.dtype)
    hole = holes * (damaged & use_hole).view(b, 1, 1, 1).to(images.dtype)
    std = torch.rand(b, 1, 1, 1, device=images.device) * cfg.noise_std
    noisy = (damaged & ~use_hole).view(b, 1, 1, 1).to(images.dtype)
    out = (images + noisy * std * torch.randn_like(images)).clamp(-1, 1)
    return out * (1 - hole), hole
