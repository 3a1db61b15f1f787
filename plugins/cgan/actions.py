"""generate and condition-sweep: the condition as a picker and as a strip."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from ganstudio.blocks import seeded_normal
from ganstudio.core.specs import ActionResult


@torch.no_grad()
def _render(model: Any, z: Tensor, y: Tensor) -> Tensor:
    G = model.generator.eval()
    return G(z.to(model.device), y.to(model.device)).float().cpu()


def generate(model: Any, params: dict[str, Any], inputs: Any = None) -> ActionResult:
    """Image i uses seed+i; all share the picked class."""
    cfg = model.config
    seeds = [params["seed"] + i for i in range(params["count"])]
    z = seeded_normal(len(seeds), cfg.z_dim, seeds)
    k = cfg.class_names.index(params["class"])
    y = torch.full((len(seeds),), k, dtype=torch.long)
    return ActionResult(
        _render(model, z, y),
        layout="grid",
        latents={"z": z.numpy(), "class": y.numpy()},
        info={"seeds": seeds, "class_index": k},
    )


def blend_weights(num_classes: int, frames: int) -> Tensor:
    """(frames, K) weights walking class 0 → K-1, blending neighbours in between."""
    pos = torch.linspace(0, num_classes - 1, frames)  # (F,)
    lo = pos.floor().long().clamp(max=num_classes - 1)
    hi = (lo + 1).clamp(max=num_classes - 1)
    frac = pos - lo.float()
    w = torch.zeros(frames, num_classes)
    w.scatter_add_(1, lo[:, None], (1 - frac)[:, None])
    w.scatter_add_(1, hi[:, None], frac[:, None])
    return w


def condition_sweep(model: Any, params: dict[str, Any], inputs: Any = None) -> ActionResult:
    """One seed through every class in order (young → old for binned age).

    ``frames`` above the number of classes blends neighbouring class embeddings
    for a smooth strip or GIF; equal to it (the default 0 means that), one frame each.
    """
    cfg = model.config
    k = cfg.num_classes
    frames = max(params["frames"], k) if params["frames"] else k
    y: Tensor = torch.arange(k) if frames == k else blend_weights(k, frames)
    z = seeded_normal(1, cfg.z_dim, [params["seed"]]).expand(frames, -1)
    return ActionResult(
        _render(model, z, y),
        layout=params["layout"],
        latents={"z": z[:1].numpy(), "class": y.numpy()},
        info={"seed": params["seed"], "classes": list(cfg.class_names)},
    )
