"""One D/G update of an unconditional GAN with a pluggable objective and stabilisers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import Tensor, nn

from ganstudio.blocks import sampling, seeded_normal
from ganstudio.stabilisers import Stabilisers

from .config import SUPPORTED_STABILISERS


class AdversarialRoutine:
    """DCGAN's alternating update (pytorch/examples), objective-agnostic.

    G runs once per step with gradients; D sees its output detached, then G
    is updated through D — one forward and one backward per module, the
    pattern DistributedDataParallel expects.  The shared driver
    (``ganstudio.stabilisers``) adds the stabilisers switched on in the config:
    what D is shown, its loss and penalties, clipping, the D/G schedule and
    the unrolled D.
    """

    def __init__(self, models: Mapping[str, nn.Module], config: Any, objective: Any, ctx: Any):
        self.G, self.D = models["G"], models["D"]
        self.G_ema = models.get("G_ema")
        self.cfg, self.obj, self.ctx = config, objective, ctx
        self.stab = Stabilisers(config, objective, ctx, SUPPORTED_STABILISERS, "this GAN")
        betas = (config.beta1, config.beta2)
        self.opt_g, self.opt_d = self.stab.optimizers(self.G, self.D, config.lr, betas)
        self.judge = self.stab.discriminator(self.D)  # D, packing m samples when asked
        self.steps = 0

    def _d_update(self, real: Tensor, fake: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """One D update on a real batch and detached fakes: (loss, real, fake logits, penalty)."""
        p, s = self.ctx.precision, self.stab
        real, fake = s.d_inputs(real, fake)
        self.opt_d.zero_grad(set_to_none=True)
        with p.autocast():
            d_real = self.judge(real).float()
            d_fake = self.judge(fake).float()
        loss_d = s.d_loss(d_real, d_fake)
        penalty = s.penalty(self.judge, real, fake)
        s.update(loss_d + penalty, self.D, self.opt_d, discriminator=True)
        return loss_d, d_real, d_fake, penalty

    def _fresh_fakes(self, n: int, device: torch.device) -> Tensor:
        with torch.no_grad(), self.ctx.precision.autocast():
            return self.G(torch.randn(n, self.cfg.z_dim, device=device))

    def step(self, batch: Mapping[str, Tensor]) -> dict[str, float]:
        real = batch["image"]
        p, s = self.ctx.precision, self.stab
        z = torch.randn(real.size(0), self.cfg.z_dim, device=real.device)
        with p.autocast():
            fake = self.G(z)  # (B, C, H, W)
        loss_d, d_real, d_fake, penalty = self._d_update(real, fake.detach())
        out = {
            "loss_d": loss_d.item(),
            "d_real": d_real.mean().item(),
            "d_fake": d_fake.mean().item(),
        }
        if penalty.requires_grad:
            out["penalty"] = penalty.item()
        if s.g_turn():
            unroll = lambda: self._d_update(real, self._fresh_fakes(real.size(0), real.device))  # noqa: E731
            with s.unrolled(self.D, self.opt_d, unroll):
                self.opt_g.zero_grad(set_to_none=True)
                with p.autocast():
                    g_fake = self.judge(fake).float()
                loss_g = s.g_loss(g_fake, lambda: self.judge(real))
                s.update(loss_g, self.G, self.opt_g)
            out["loss_g"] = loss_g.item()
        s.tick()
        self.steps += 1
        return out

    @torch.no_grad()
    def samples(self, n: int, seed: int) -> Tensor:
        with sampling(self.G, self.G_ema) as g:
            z = seeded_normal(n, self.cfg.z_dim, seed=seed).to(next(g.parameters()).device)
            return g(z)

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
