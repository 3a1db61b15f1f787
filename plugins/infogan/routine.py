"""One D/Q/G update of InfoGAN with a pluggable adversarial objective."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ganstudio.blocks import sampling, seeded_normal
from ganstudio.stabilisers import Stabilisers

from .config import SUPPORTED_STABILISERS, InfoGANConfig
from .models import compose_latent, random_codes, split_q


def info_loss(
    cfg: InfoGANConfig, q: Tensor, categories: Tensor, codes: Tensor
) -> tuple[Tensor, dict[str, float]]:
    """The variational lower bound of I(c; G(z, c)), negated: CE + weighted Gaussian NLL.

    Returns the loss and Q's categorical accuracy (how readable the codes are).
    """
    logits, mean, log_std = split_q(cfg, q.float())
    loss = q.new_zeros((), dtype=torch.float32)
    stats: dict[str, float] = {}
    for i, lg in enumerate(logits):
        loss = loss + F.cross_entropy(lg, categories[:, i])
        acc = (lg.argmax(1) == categories[:, i]).float().mean().item()
        stats["q_acc" if i == 0 else f"q_acc_{i + 1}"] = acc
    if cfg.continuous:
        if log_std is None:  # fixed unit std: the NLL is half the squared error
            nll = 0.5 * (codes - mean) ** 2
        else:
            log_std = log_std.clamp(-5.0, 2.0)
            nll = 0.5 * ((codes - mean) * torch.exp(-log_std)) ** 2 + log_std
        loss = loss + cfg.continuous_weight * nll.sum(1).mean()
        stats["q_mse"] = F.mse_loss(mean, codes).item()
    return loss, stats


class InfoGANRoutine:
    """DCGAN's alternating update plus the mutual-information term.

    As in the original implementation, λ·L_I is added to the D loss (it trains the
    shared trunk and the Q head, on detached fakes) and to the G loss (so G makes
    its codes readable).  D is called as ``D(x)`` for scores and
    ``D(x, with_q=True)`` for scores and Q, so objectives' penalties work unchanged.
    """

    def __init__(
        self, models: Mapping[str, nn.Module], config: InfoGANConfig, objective: Any, ctx: Any
    ) -> None:
        self.G, self.D = models["G"], models["D"]
        self.G_ema = models.get("G_ema")
        self.cfg, self.obj, self.ctx = config, objective, ctx
        self.stab = Stabilisers(config, objective, ctx, SUPPORTED_STABILISERS, "infogan")
        betas = (config.beta1, config.beta2)
        self.opt_g, self.opt_d = self.stab.optimizers(self.G, self.D, config.lr, betas)
        self.steps = 0

    def _latent(self, n: int, device: torch.device) -> tuple[Tensor, Tensor, Tensor]:
        z = torch.randn(n, self.cfg.z_dim, device=device)
        categories, codes = random_codes(self.cfg, n, device=device)
        return compose_latent(self.cfg, z, categories, codes), categories, codes

    def _d_update(
        self, real: Tensor, fake: Tensor, categories: Tensor, codes: Tensor
    ) -> tuple[Tensor, ...]:
        """One D/Q update on real images and detached fakes made from these codes."""
        p, s = self.ctx.precision, self.stab
        real, fake = s.d_inputs(real, fake)
        self.opt_d.zero_grad(set_to_none=True)
        with p.autocast():
            d_real = self.D(real).float()
            d_fake, q_fake = self.D(fake, with_q=True)
        d_fake = d_fake.float()
        loss_d = s.d_loss(d_real, d_fake)
        loss_q, _ = info_loss(self.cfg, q_fake, categories, codes)
        penalty = s.penalty(self.D, real, fake)
        s.update(loss_d + penalty + self.cfg.info_weight * loss_q, self.D, self.opt_d, True)
        return loss_d, d_real, d_fake, penalty

    def _unrolled_update(self, real: Tensor) -> None:
        latent, categories, codes = self._latent(real.size(0), real.device)
        with torch.no_grad(), self.ctx.precision.autocast():
            fake = self.G(latent)
        self._d_update(real, fake, categories, codes)

    def step(self, batch: Mapping[str, Tensor]) -> dict[str, float]:
        real = batch["image"]
        p, s, lam = self.ctx.precision, self.stab, self.cfg.info_weight
        latent, categories, codes = self._latent(real.size(0), real.device)
        with p.autocast():
            fake = self.G(latent)  # (B, C, H, W)
        loss_d, d_real, d_fake, penalty = self._d_update(real, fake.detach(), categories, codes)
        out = {
            "loss_d": loss_d.item(),
            "d_real": d_real.mean().item(),
            "d_fake": d_fake.mean().item(),
        }
        if penalty.requires_grad:
            out["penalty"] = penalty.item()
        if s.g_turn():
            with s.unrolled(self.D, self.opt_d, lambda: self._unrolled_update(real)):
                self.opt_g.zero_grad(set_to_none=True)
                with p.autocast():
                    g_fake, q_gen = self.D(fake, with_q=True)
                loss_g = s.g_loss(g_fake.float(), lambda: self.D(real))
                loss_info, stats = info_loss(self.cfg, q_gen, categories, codes)
                s.update(loss_g + lam * loss_info, self.G, self.opt_g)
            out.update(loss_g=loss_g.item(), loss_info=loss_info.item(), **stats)
        s.tick()
        self.steps += 1
        return out

    @torch.no_grad()
    def samples(self, n: int, seed: int) -> Tensor:
        """Image i: noise from seed+i, first categorical code i mod k, continuous codes 0."""
        z = seeded_normal(n, self.cfg.z_dim, seed=seed)
        cats = torch.zeros(n, len(self.cfg.categorical), dtype=torch.long)
        if self.cfg.categorical:
            cats[:, 0] = torch.arange(n) % self.cfg.categorical[0]
        codes = torch.zeros(n, self.cfg.continuous)
        with sampling(self.G, self.G_ema) as g:
            return g(compose_latent(self.cfg, z, cats, codes).to(next(g.parameters()).device))

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
