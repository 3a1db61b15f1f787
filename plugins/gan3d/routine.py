"""One critic/generator update of the 3D-GAN with a pluggable objective."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import Tensor, nn

from ganstudio.blocks import sampling, seeded_normal


class Gan3DRoutine:
    """``d_steps`` critic updates on ``batch["voxels"]``, then one generator update.

    Each module runs forward once with gradients per update, as DDP expects;
    the objective's penalty (WGAN-GP's gradient penalty) works on 5-D tensors
    as it does on images.
    """

    def __init__(self, models: Mapping[str, nn.Module], cfg: Any, objective: Any, ctx: Any):
        self.G, self.D, self.G_ema = models["G"], models["D"], models.get("G_ema")
        self.cfg, self.obj, self.ctx = cfg, objective, ctx
        if self.obj is None:  # objective "" means the variant's own loss: WGAN-GP's
            raise ValueError("the 3D-GAN needs an objective (wgan-gp, bce, lsgan or hinge)")
        self.opt_g = torch.optim.Adam(
            self.G.parameters(), lr=cfg.lr_g, betas=(cfg.beta1, cfg.beta2)
        )
        self.opt_d = torch.optim.Adam(
            self.D.parameters(), lr=cfg.lr_d, betas=(cfg.beta1, cfg.beta2)
        )
        self.steps = 0

    def _z(self, n: int, device: torch.device) -> Tensor:
        return torch.randn(n, self.cfg.z_dim, device=device)

    def step(self, batch: Mapping[str, Tensor]) -> dict[str, float]:
        real = batch["voxels"]  # (B, 1, R, R, R) in [0, 1]
        p = self.ctx.precision
        for _ in range(self.cfg.d_steps):
            with torch.no_grad(), p.autocast():
                fake = self.G(self._z(real.size(0), real.device)).float()
            self.opt_d.zero_grad(set_to_none=True)
            with p.autocast():
                d_real = self.D(real).float()
                d_fake = self.D(fake).float()
            loss_d = self.obj.d_loss(d_real, d_fake)
            penalty = self.obj.penalty(self.D, real, fake)
            p.backward(loss_d + penalty)
            p.step(self.opt_d)

        self.opt_g.zero_grad(set_to_none=True)
        with p.autocast():
            fake = self.G(self._z(real.size(0), real.device))
            g_fake = self.D(fake).float()
        loss_g = self.obj.g_loss(g_fake)
        p.backward(loss_g)
        p.step(self.opt_g)
        self.steps += 1
        out = {
            "loss_d": loss_d.item(),
            "loss_g": loss_g.item(),
            "d_real": d_real.mean().item(),
            "d_fake": d_fake.mean().item(),
            "occupancy": fake.detach().float().mean().item(),
        }
        if penalty.requires_grad:
            out["penalty"] = penalty.item()
        return out

    @torch.no_grad()
    def samples(self, n: int, seed: int) -> Tensor:
        """Rendered views of ``n`` fixed-seed shapes: (n, 3, 128, 128) in [-1, 1]."""
        import numpy as np

        from ganstudio.core.voxels import render_grid

        with sampling(self.G, self.G_ema) as g:
            z = seeded_normal(n, self.cfg.z_dim, seed=seed).to(next(g.parameters()).device)
            grids = g(z).float().cpu()[:, 0].numpy()  # (n, R, R, R)
        views = [
            np.asarray(render_grid(grid, size=128, background=(255, 255, 255, 255)).convert("RGB"))
            for grid in grids
        ]
        pixels = torch.from_numpy(np.stack(views)).permute(0, 3, 1, 2).float()  # (n, 3, H, W)
        return pixels / 127.5 - 1.0

    def state_dict(self) -> dict[str, Any]:
        return {
            "opt_g": self.opt_g.state_dict(),
            "opt_d": self.opt_d.state_dict(),
            "steps": self.steps,
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        self.steps = int(state["steps"])
