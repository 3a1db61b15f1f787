"""animate: one clip of a temporal model, its content and its motion seeded apart."""

from __future__ import annotations

from typing import Any

import torch

from ganstudio.blocks import seeded_normal
from ganstudio.core.specs import ActionResult

from .routine import seeded_clip_noise


@torch.no_grad()
def animate(model: Any, params: dict[str, Any], inputs: Any = None) -> ActionResult:
    """The same ``seed`` with another ``motion_seed`` is the same face moving otherwise."""
    cfg = model.config
    frames = int(params["frames"]) or int(cfg.frames)
    z_c = seeded_normal(1, cfg.content_dim, seeds=[params["seed"]])
    eps = seeded_clip_noise(cfg, [params["motion_seed"]], frames)
    G = model.generator.eval()
    video = G(z_c.to(model.device), eps.to(model.device)).float().cpu()  # (1, C, T, H, W)
    return ActionResult(
        video[0].transpose(0, 1),  # (T, C, H, W)
        layout="animation",
        latents={"z_content": z_c.numpy(), "motion_noise": eps.numpy()},
        info={"fps": int(params["fps"]), "frames": frames},
    )
