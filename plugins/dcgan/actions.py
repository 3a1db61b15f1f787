"""generate and interpolate: sampling actions for any model with a z latent."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from ganstudio.blocks import seeded_normal
from ganstudio.core.specs import ActionResult


def _z_dim(model: Any) -> int:
    return int(model.config.z_dim)


@torch.no_grad()
def _render(model: Any, z: Tensor) -> Tensor:
    G = model.generator.eval()
    return G(z.to(model.device)).float().cpu()


def generate(model: Any, params: dict[str, Any], inputs: Any = None) -> ActionResult:
    """Image i of a batch uses seed+i, so any one image can be made again alone."""
    seeds = [params["seed"] + i for i in range(params["count"])]
    z = seeded_normal(len(seeds), _z_dim(model), seeds=seeds) * params["truncation"]
    return ActionResult(
        _render(model, z), layout="grid", latents={"z": z.numpy()}, info={"seeds": seeds}
    )


def slerp(a: Tensor, b: Tensor, t: Tensor) -> Tensor:
    """Spherical interpolation: stays on the shell where Gaussian latents live."""
    a_n, b_n = a / a.norm(dim=-1, keepdim=True), b / b.norm(dim=-1, keepdim=True)
    omega = torch.acos((a_n * b_n).sum(-1, keepdim=True).clamp(-1 + 1e-7, 1 - 1e-7))
    so = torch.sin(omega)
    return (torch.sin((1 - t) * omega) / so) * a + (torch.sin(t * omega) / so) * b


def interpolate(model: Any, params: dict[str, Any], inputs: Any = None) -> ActionResult:
    za, zb = seeded_normal(2, _z_dim(model), seeds=[params["seed_a"], params["seed_b"]])
    t = torch.linspace(0, 1, params["frames"]).unsqueeze(1)  # (F, 1)
    if params["mode"] == "slerp":
        z = slerp(za.expand(len(t), -1), zb.expand(len(t), -1), t)
    else:
        z = torch.lerp(za.expand(len(t), -1), zb.expand(len(t), -1), t)
    z = z * params["truncation"]
    return ActionResult(
        _render(model, z),
        layout="strip",
        latents={"z": z.numpy()},
        info={"seeds": [params["seed_a"], params["seed_b"]]},
    )
