"""StyleGAN2's training step: non-saturating loss, lazy R1, style-mixing regularisation."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ganstudio.blocks import sampling, seeded_normal


def _core(module: nn.Module) -> nn.Module:
    return getattr(module, "module", module)  # unwrap DistributedDataParallel


class StyleGAN2Routine:
    """One D update and one G update per ``step``; R1 on real images every ``r1_every`` steps.

    Lazy regularisation (the StyleGAN2 paper, App. B): the R1 term is scaled
    by its interval and Adam's lr and betas by ``k / (k + 1)``, so the
    effective regularisation matches doing it every step.  G's ``w_avg``
    follows the mapping output during the G update; the Trainer's EMA copy
    takes it with the other buffers.
    """

    def __init__(self, models: Mapping[str, nn.Module], config: Any, objective: Any, ctx: Any):
        self.G, self.D = models["G"], models["D"]
        self.G_ema = models.get("G_ema")
        self.cfg, self.ctx = config, ctx
        ratio = config.r1_every / (config.r1_every + 1)
        self.opt_g = torch.optim.Adam(
            self.G.parameters(), lr=config.lr, betas=(config.beta1, config.beta2)
        )
        self.opt_d = torch.optim.Adam(
            self.D.parameters(),
            lr=config.lr * ratio,
            betas=(config.beta1**ratio, config.beta2**ratio),
        )
        self.steps = 0
        self.rng = random.Random(ctx.rank if ctx is not None else 0)
        self.num_ws = int(_core(self.G).num_ws)  # type: ignore[arg-type]  # a plain int attribute

    def _fake(self, n: int, device: torch.device, update_w_avg: bool = False) -> Tensor:
        z = torch.randn(n, self.cfg.z_dim, device=device)
        kwargs: dict[str, Any] = {"noise_mode": "random", "update_w_avg": update_w_avg}
        if self.cfg.mixing_prob > 0 and self.rng.random() < self.cfg.mixing_prob:
            kwargs["mix_z"] = torch.randn(n, self.cfg.z_dim, device=device)
            kwargs["mix_cutoff"] = self.rng.randrange(1, self.num_ws)
        return self.G(z, **kwargs)  # (B, C, H, W)

    def step(self, batch: Mapping[str, Tensor]) -> dict[str, float]:
        real = batch["image"]
        n, dev, p = real.size(0), real.device, self.ctx.precision
        out: dict[str, float] = {}

        # D: softplus(D(fake)) + softplus(-D(real))
        self.opt_d.zero_grad(set_to_none=True)
        with torch.no_grad(), p.autocast():
            fake = self._fake(n, dev)
        with p.autocast():
            d_fake = self.D(fake).float()
            d_real = self.D(real).float()
        loss_d = F.softplus(d_fake).mean() + F.softplus(-d_real).mean()
        p.backward(loss_d)
        p.step(self.opt_d)

        if self.steps % self.cfg.r1_every == 0:
            self.opt_d.zero_grad(set_to_none=True)
            real_r = real.detach().requires_grad_(True)
            with p.autocast():
                d_real_r = self.D(real_r).float()
            (grad,) = torch.autograd.grad(d_real_r.sum(), real_r, create_graph=True)
            r1 = grad.float().pow(2).sum([1, 2, 3]).mean()
            p.backward(self.cfg.r1_gamma / 2 * r1 * self.cfg.r1_every + 0 * d_real_r[0])
            p.step(self.opt_d)
            out["r1"] = r1.item()

        # G: softplus(-D(G(z)))
        self.opt_g.zero_grad(set_to_none=True)
        for param in self.D.parameters():
            param.requires_grad_(False)
        with p.autocast():
            g_fake = self.D(self._fake(n, dev, update_w_avg=True)).float()
        loss_g = F.softplus(-g_fake).mean()
        p.backward(loss_g)
        p.step(self.opt_g)
        for param in self.D.parameters():
            param.requires_grad_(True)

        self.steps += 1
        out.update(
            loss_d=loss_d.item(),
            loss_g=loss_g.item(),
            d_real=d_real.mean().item(),
            d_fake=d_fake.mean().item(),
        )
        return out

    @torch.no_grad()
    def samples(self, n: int, seed: int) -> Tensor:
        with sampling(self.G, self.G_ema) as g:
            z = seeded_normal(n, self.cfg.z_dim, seed=seed).to(next(g.parameters()).device)
            return g(z, noise_mode="const")

    def state_dict(self) -> dict[str, Any]:
        return {
            "opt_g": self.opt_g.state_dict(),
            "opt_d": self.opt_d.state_dict(),
            "steps": self.steps,
            "rng": list(self.rng.getstate()[1]),
            "rng_version": self.rng.getstate()[0],
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        self.steps = int(state["steps"])
        if "rng" in state:
            self.rng.setstate(
                (int(state["rng_version"]), tuple(int(v) for v in state["rng"]), None)
            )
