"""One D/G update of ProGAN at the schedule's current resolution and fade-in α."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ganstudio.blocks import sampling, seeded_normal

from .config import ProGANConfig


def _bare(m: nn.Module) -> Any:
    """The module under a DDP wrapper (a ProGAN generator or critic, with set_phase)."""
    return getattr(m, "module", m)


def real_at(images: Tensor, level: int, alpha: float, cfg: ProGANConfig) -> Tensor:
    """The Trainer's full-size batch at the level's resolution, faded like G's output.

    During a fade-in the reals are blended with their coarser, upsampled
    version, as in the paper, so D compares like with like.
    """
    res = cfg.level_resolution(level)
    x = F.adaptive_avg_pool2d(images, res) if images.size(-1) != res else images
    if level > 0 and alpha < 1.0:
        coarse = F.interpolate(F.avg_pool2d(x, 2), scale_factor=2, mode="nearest")
        x = torch.lerp(coarse, x, alpha)
    return x


class ProgressiveRoutine:
    """WGAN-GP (or any objective) plus ε-drift, with the growth schedule in its state.

    The schedule is driven by the number of images seen (all processes), kept
    in ``state_dict`` with the level and α, so a run resumed in the middle of
    a fade-in continues at exactly the same α.  At each new level the Adam
    moments are reset (the paper's reference code does the same).
    """

    def __init__(
        self, models: Mapping[str, nn.Module], config: ProGANConfig, objective: Any, ctx: Any
    ) -> None:
        self.G, self.D = models["G"], models["D"]
        self.G_ema = models.get("G_ema")
        self.cfg, self.obj, self.ctx = config, objective, ctx
        betas = (config.beta1, config.beta2)
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=config.lr, betas=betas)
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=config.lr, betas=betas)
        self.images = 0
        self.level, self.alpha = self.cfg.phase(0)
        self._apply_phase()

    def _apply_phase(self) -> None:
        level, alpha = self.cfg.phase(self.images)
        if level != self.level:
            for opt in (self.opt_g, self.opt_d):
                opt.state = defaultdict(dict)
        self.level, self.alpha = level, alpha
        for m in (self.G, self.D, self.G_ema):
            if m is not None:
                _bare(m).set_phase(level, alpha)

    def status(self) -> dict[str, float | int | str]:
        """What the training dock shows: the resolution being trained and the fade-in α."""
        return {
            "resolution": self.cfg.level_resolution(self.level),
            "fade-in α": round(self.alpha, 4),
        }

    def step(self, batch: Mapping[str, Tensor]) -> dict[str, float]:
        self._apply_phase()
        real = real_at(batch["image"], self.level, self.alpha, self.cfg)
        p = self.ctx.precision
        z = torch.randn(real.size(0), self.cfg.z_dim, device=real.device)
        with p.autocast():
            fake = self.G(z)  # (B, C, r, r)

        self.opt_d.zero_grad(set_to_none=True)
        with p.autocast():
            d_real = self.D(real).float()
            d_fake = self.D(fake.detach()).float()
        loss_d = self.obj.d_loss(d_real, d_fake)
        penalty = self.obj.penalty(self.D, real, fake.detach().float())
        drift = self.cfg.drift * d_real.pow(2).mean()
        p.backward(loss_d + penalty + drift)
        p.step(self.opt_d)

        self.opt_g.zero_grad(set_to_none=True)
        with p.autocast():
            g_fake = self.D(fake).float()
        loss_g = self.obj.g_loss(g_fake)
        p.backward(loss_g)
        p.step(self.opt_g)
        self.images += real.size(0) * self.ctx.world_size
        out = {
            "loss_d": loss_d.item(),
            "loss_g": loss_g.item(),
            "d_real": d_real.mean().item(),
            "d_fake": d_fake.mean().item(),
        }
        if penalty.requires_grad:
            out["penalty"] = penalty.item()
        self._apply_phase()  # the next step's phase, so status() and samples show it
        return out

    @torch.no_grad()
    def samples(self, n: int, seed: int) -> Tensor:
        """At the current resolution, upsampled (nearest) to the full size."""
        with sampling(self.G, self.G_ema) as g:
            z = seeded_normal(n, self.cfg.z_dim, seed=seed).to(next(g.parameters()).device)
            x = g(z)
            return F.interpolate(x, size=self.cfg.resolution, mode="nearest")

    def state_dict(self) -> dict[str, Any]:
        return {
            "opt_g": self.opt_g.state_dict(),
            "opt_d": self.opt_d.state_dict(),
            "images": self.images,
            "level": self.level,
            "alpha": self.alpha,
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        self.images = int(state["images"])
        self.level, self.alpha = int(state["level"]), float(state["alpha"])
        self._apply_phase()
