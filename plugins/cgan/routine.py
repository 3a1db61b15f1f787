"""One D/G update of the conditional GAN with a pluggable objective."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import Tensor, nn

from ganstudio.blocks import sampling, seeded_normal
from ganstudio.stabilisers import Stabilisers

from .conditions import ConditionMap
from .config import SUPPORTED_STABILISERS, CGANConfig


class ConditionalRoutine:
    """DCGAN's alternating update, every D call given the batch's classes.

    Fakes are drawn for the real batch's classes, so G sees the data's class
    balance; the objective's penalty gets D bound to those classes.
    """

    def __init__(
        self, models: Mapping[str, nn.Module], config: CGANConfig, objective: Any, ctx: Any
    ) -> None:
        self.G, self.D = models["G"], models["D"]
        self.G_ema = models.get("G_ema")
        self.cfg, self.obj, self.ctx = config, objective, ctx
        self.conditions = ConditionMap.from_label_names(config, ctx.label_names)
        self.stab = Stabilisers(config, objective, ctx, SUPPORTED_STABILISERS, "cgan")
        betas = (config.beta1, config.beta2)
        self.opt_g, self.opt_d = self.stab.optimizers(self.G, self.D, config.lr, betas)
        self.steps = 0

    def _d_update(self, real: Tensor, fake: Tensor, y: Tensor) -> tuple[Tensor, ...]:
        """One D update on real images and detached fakes of classes y."""
        p, s = self.ctx.precision, self.stab
        real, fake = s.d_inputs(real, fake)
        self.opt_d.zero_grad(set_to_none=True)
        with p.autocast():
            d_real = self.D(real, y).float()
            d_fake = self.D(fake, y).float()
        loss_d = s.d_loss(d_real, d_fake)
        penalty = s.penalty(lambda x: self.D(x, y), real, fake)
        s.update(loss_d + penalty, self.D, self.opt_d, discriminator=True)
        return loss_d, d_real, d_fake, penalty

    def _fresh_fakes(self, y: Tensor) -> Tensor:
        with torch.no_grad(), self.ctx.precision.autocast():
            return self.G(torch.randn(y.size(0), self.cfg.z_dim, device=y.device), y)

    def step(self, batch: Mapping[str, Tensor]) -> dict[str, float]:
        if "labels" not in batch:
            raise ValueError("the conditional GAN needs labelled data (batch has no 'labels')")
        y = self.conditions(batch["labels"])  # (B,)
        keep = y >= 0
        real, y = batch["image"][keep], y[keep]
        if real.size(0) < 2:  # no row of this batch carries one of the classes
            return {}
        p, s = self.ctx.precision, self.stab
        z = torch.randn(real.size(0), self.cfg.z_dim, device=real.device)
        with p.autocast():
            fake = self.G(z, y)  # (B, C, H, W)
        loss_d, d_real, d_fake, penalty = self._d_update(real, fake.detach(), y)
        out = {
            "loss_d": loss_d.item(),
            "d_real": d_real.mean().item(),
            "d_fake": d_fake.mean().item(),
        }
        if penalty.requires_grad:
            out["penalty"] = penalty.item()
        if s.g_turn():
            unroll = lambda: self._d_update(real, self._fresh_fakes(y), y)  # noqa: E731
            with s.unrolled(self.D, self.opt_d, unroll):
                self.opt_g.zero_grad(set_to_none=True)
                with p.autocast():
                    g_fake = self.D(fake, y).float()
                loss_g = s.g_loss(g_fake, lambda: self.D(real, y))
                s.update(loss_g, self.G, self.opt_g)
            out["loss_g"] = loss_g.item()
        s.tick()
        self.steps += 1
        return out

    @torch.no_grad()
    def samples(self, n: int, seed: int) -> Tensor:
        """Image i: noise from seed + i // K, class i mod K — each row one face, every class."""
        with sampling(self.G, self.G_ema) as g:
            device = next(g.parameters()).device
            k = self.cfg.num_classes
            z = seeded_normal(n, self.cfg.z_dim, [seed + i // k for i in range(n)]).to(device)
            y = (torch.arange(n) % k).to(device)
            return g(z, y)

    def state_dict(self) -> dict[str, Any]:
        return {
            "opt_g": self.opt_g.state_dict(),
            "opt_d": self.opt_d.state_dict(),
            "steps": self.steps,
            **self.stab.state_dict(),
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        self.steps = int(state["steps"])
        self.stab.load_state_dict(state)
