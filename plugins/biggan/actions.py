"""generate: a class picker and the truncation trick."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor

from ganstudio.core.specs import ActionResult


def truncated_normal(seeds: Sequence[int], dim: int, threshold: float) -> Tensor:
    """(N, dim) normal values cut to [−threshold, threshold]: BigGAN's truncation trick.

    Drawn by the inverse CDF from one uniform vector per seed, so a seed keeps
    its identity while the slider moves: lowering the threshold pulls the same
    latent toward the mode (fidelity) instead of drawing a new one (variety).
    """
    u = torch.stack(
        [
            torch.rand(dim, generator=torch.Generator().manual_seed(int(s)), dtype=torch.float64)
            for s in seeds
        ]
    )
    t = torch.tensor(float(threshold), dtype=torch.float64)
    lo, hi = torch.special.ndtr(-t), torch.special.ndtr(t)
    return torch.special.ndtri(lo + u * (hi - lo)).float()


@torch.no_grad()
def render(model: Any, z: Tensor, y: Tensor) -> Tensor:
    G = model.generator.eval()
    return G(z.to(model.device), y.to(model.device)).float().cpu()


def generate(model: Any, params: dict[str, Any], inputs: Any = None) -> ActionResult:
    """Image i uses seed + i; all share the picked class and truncation."""
    cfg = model.config
    seeds = [params["seed"] + i for i in range(params["count"])]
    z = truncated_normal(seeds, cfg.z_dim, params["truncation"])
    k = cfg.class_names.index(params["class"])
    y = torch.full((len(seeds),), k, dtype=torch.long)
    return ActionResult(
        render(model, z, y),
        layout="grid",
        latents={"z": z.numpy(), "class": y.numpy()},
        info={"seeds": seeds, "class_index": k},
    )
