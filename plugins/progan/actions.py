"""generate and show-growth: drawing from a growing generator."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from ganstudio.blocks import seeded_normal
from ganstudio.core.specs import ActionResult


def _full(model: Any, x: Tensor) -> Tensor:
    return F.interpolate(x, size=int(model.config.resolution), mode="nearest")


@torch.no_grad()
def generate(model: Any, params: dict[str, Any], inputs: Any = None) -> ActionResult:
    """At the resolution the model reached in training, upsampled to full size."""
    G = model.generator.eval()
    seeds = [params["seed"] + i for i in range(params["count"])]
    z = seeded_normal(len(seeds), model.config.z_dim, seeds=seeds) * params["truncation"]
    x = G(z.to(model.device)).float().cpu()
    info = {"seeds": seeds, "resolution": int(x.size(-1)), "fade_alpha": float(G.alpha)}
    return ActionResult(_full(model, x), layout="grid", latents={"z": z.numpy()}, info=info)


@torch.no_grad()
def show_growth(model: Any, params: dict[str, Any], inputs: Any = None) -> ActionResult:
    """One latent at every resolution the model has grown through, coarse to fine.

    Each image is that level's own output head; heads of levels passed long
    ago were not trained since, so early columns show the model as it was.
    """
    G = model.generator.eval()
    z = seeded_normal(1, model.config.z_dim, seeds=[params["seed"]]).to(model.device)
    top = int(G.level)
    frames = [_full(model, G(z, level=k, alpha=1.0).float().cpu()) for k in range(top + 1)]
    resolutions = [model.config.level_resolution(k) for k in range(top + 1)]
    return ActionResult(
        torch.cat(frames),
        layout="strip",
        latents={"z": z.cpu().numpy()},
        info={"seed": params["seed"], "resolutions": resolutions},
    )
