"""One update of every level of the Laplacian pyramid, with a pluggable objective."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import Tensor, nn

from ganstudio.blocks import sampling, seeded_normal

from .config import LAPGANConfig
from .models import pyramid, upsample


class PyramidRoutine:
    """Each level is a conditional GAN on its own octave of the real batch.

    The losses of all levels are summed, so G and D each run forward once
    with gradients per step; level k's fakes are conditioned on the real
    image of level k − 1, upsampled (Denton et al. train the levels apart).
    """

    def __init__(
        self, models: Mapping[str, nn.Module], config: LAPGANConfig, objective: Any, ctx: Any
    ) -> None:
        self.G, self.D = models["G"], models["D"]
        self.G_ema = models.get("G_ema")
        self.cfg, self.obj, self.ctx = config, objective, ctx
        betas = (config.beta1, config.beta2)
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=config.lr, betas=betas)
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=config.lr, betas=betas)
        self.steps = 0

    def step(self, batch: Mapping[str, Tensor]) -> dict[str, float]:
        reals = pyramid(batch["image"], self.cfg)  # [base, …, full]
        conds = [upsample(x) for x in reals[:-1]]  # level k's condition
        p = self.ctx.precision
        b = reals[0].size(0)
        z = torch.randn(b, self.cfg.z_dim, device=reals[0].device)
        noises = [torch.randn(b, 1, x.size(-1), x.size(-1), device=x.device) for x in reals[1:]]
        with p.autocast():
            fakes = self.G(z, conds, noises)  # [coarse, level 1, …]

        self.opt_d.zero_grad(set_to_none=True)
        with p.autocast():
            d_real = self.D(reals, conds).float()  # (L + 1, B)
            d_fake = self.D([f.detach() for f in fakes], conds).float()
        per_level = [self.obj.d_loss(r, f) for r, f in zip(d_real, d_fake, strict=True)]
        loss_d = torch.stack(per_level).sum()
        penalty = d_real.new_zeros(())
        for k in range(len(reals)):

            def critic(x: Tensor, k: int = k) -> Tensor:
                return self.D([*reals[:k], x, *reals[k + 1 :]], conds)[k]

            penalty = penalty + self.obj.penalty(critic, reals[k], fakes[k].detach().float())
        p.backward(loss_d + penalty)
        p.step(self.opt_d)

        self.opt_g.zero_grad(set_to_none=True)
        with p.autocast():
            g_fake = self.D(fakes, conds).float()
        loss_g = torch.stack([self.obj.g_loss(f) for f in g_fake]).sum()
        p.backward(loss_g)
        p.step(self.opt_g)
        self.steps += 1
        out = {"loss_d": loss_d.item(), "loss_g": loss_g.item()}
        for k, loss in enumerate(per_level):
            out[f"loss_d{self.cfg.level_resolution(k)}"] = loss.item()
        if penalty.requires_grad:
            out["penalty"] = penalty.item()
        return out

    @torch.no_grad()
    def samples(self, n: int, seed: int) -> Tensor:
        with sampling(self.G, self.G_ema) as g:
            device = next(g.parameters()).device
            z = seeded_normal(n, self.cfg.z_dim, seed=seed).to(device)
            pyramid: Any = g  # the LAPGAN generator behind sampling()'s Module type
            noises = pyramid.noises(n, torch.Generator().manual_seed(seed))
            return g(z, noises=[x.to(device) for x in noises])

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
