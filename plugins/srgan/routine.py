"""One training step of an SR GAN: degrade, upscale, pixel + perceptual + adversarial.

The batch's ``image`` is the high-resolution crop in [-1, 1]; the routine
makes the low-resolution input from it (``degrade.py``).  D sees real and
upscaled crops in one forward per update (the pattern DDP expects).  With
``adv_weight == 0`` D is not trained at all: PSNR-oriented pre-training.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, cast

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ganstudio.blocks import sampling

from .degrade import degrade
from .losses import RelativisticBCE, VGGPerceptual

log = logging.getLogger("ganstudio.srgan")


class SRRoutine:
    def __init__(self, models: Mapping[str, nn.Module], config: Any, objective: Any, ctx: Any):
        self.G, self.D = models["G"], models.get("D")
        self.G_ema = models.get("G_ema")
        self.cfg, self.ctx = config, ctx
        # ESRGAN's own RaGAN, or an objective that reads D's real logits in G's loss (ragan)
        self.relativistic = objective is None or bool(getattr(objective, "relativistic", False))
        self.obj: Any = objective if objective is not None else RelativisticBCE()
        betas = (config.beta1, config.beta2)
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=config.lr, betas=betas)
        self.use_gan = config.adv_weight > 0 and self.D is not None
        self.opt_d = (
            torch.optim.Adam(self.D.parameters(), lr=config.lr, betas=betas)
            if self.use_gan and self.D is not None
            else None
        )
        self.vgg: nn.Module | None = None
        if config.perceptual_weight > 0:
            if config.vgg_weights:
                self.vgg = VGGPerceptual(config.vgg_weights).to(ctx.device)
                log.info("perceptual loss: VGG19 conv5_4 from %s", config.vgg_weights)
            elif self.use_gan:
                log.warning(
                    "no VGG19 weights (vgg_weights is empty): the perceptual loss "
                    "falls back to discriminator feature matching"
                )
            else:
                log.warning(
                    "no VGG19 weights and adv_weight=0: no perceptual loss, "
                    "training on the pixel loss alone"
                )
        self.steps = 0
        self._preview: Tensor | None = None

    def step(self, batch: Mapping[str, Tensor]) -> dict[str, float]:
        hr = (batch["image"].float() + 1) / 2  # (B, C, H, W) in [0, 1]
        lr = degrade(hr, self.cfg)  # (B, C, H/s, W/s)
        if self._preview is None:
            self._preview = lr[:16].detach().cpu()
        p = self.ctx.precision
        with p.autocast():
            sr = self.G(lr).float()  # (B, C, H, W)
        out: dict[str, float] = {}
        if self.use_gan:
            out.update(self._d_step(hr, sr))
        self.opt_g.zero_grad(set_to_none=True)
        loss = self.cfg.pixel_weight * F.l1_loss(sr, hr)
        out["l1"] = float(F.l1_loss(sr.detach(), hr))
        if self.vgg is not None:
            with p.autocast():
                perc = self.vgg(sr, hr).float()
            loss = loss + self.cfg.perceptual_weight * perc
            out["perceptual"] = perc.item()
        if self.use_gan:
            assert self.D is not None  # use_gan implies a discriminator
            with p.autocast():
                scores, feats = self.D(torch.cat([sr, hr]), return_features=True)
            d_fake, d_real = scores.float().chunk(2)
            if self.relativistic:
                adv = self.obj.g_loss(d_fake, d_real.detach())
            else:
                adv = self.obj.g_loss(d_fake)
            loss = loss + self.cfg.adv_weight * adv
            out["adv_g"] = adv.item()
            if self.vgg is None and self.cfg.perceptual_weight > 0:
                fm = cast(
                    Tensor,
                    sum(
                        F.l1_loss(a.float(), b.float().detach())
                        for a, b in (f.chunk(2) for f in feats)
                    )
                    / len(feats),
                )
                loss = loss + self.cfg.perceptual_weight * fm
                out["feature_match"] = fm.item()
        p.backward(loss)
        p.step(self.opt_g)
        out["loss_g"] = loss.item()
        self.steps += 1
        return out

    def _d_step(self, hr: Tensor, sr: Tensor) -> dict[str, float]:
        p = self.ctx.precision
        assert self.D is not None and self.opt_d is not None  # only called when use_gan
        self.opt_d.zero_grad(set_to_none=True)
        with p.autocast():
            scores = self.D(torch.cat([hr, sr.detach()])).float()  # (2B,)
        d_real, d_fake = scores.chunk(2)
        loss_d = self.obj.d_loss(d_real, d_fake)
        penalty = self.obj.penalty(self.D, hr, sr.detach())
        p.backward(loss_d + penalty)
        p.step(self.opt_d)
        return {
            "loss_d": loss_d.item(),
            "d_real": d_real.mean().item(),
            "d_fake": d_fake.mean().item(),
        }

    @torch.no_grad()
    def samples(self, n: int, seed: int) -> Tensor:
        """Upscaled previews of the first batch's fixed LR crops, in [-1, 1]."""
        if self._preview is None:
            res = self.cfg.resolution
            return torch.zeros(n, self.cfg.channels, res, res)
        idx = torch.arange(n) % len(self._preview)
        with sampling(self.G, self.G_ema) as g:
            dev = next(g.parameters()).device
            return g(self._preview[idx].to(dev)).clamp(0, 1) * 2 - 1

    def state_dict(self) -> dict[str, Any]:
        state: dict[str, Any] = {"opt_g": self.opt_g.state_dict(), "steps": self.steps}
        if self.opt_d is not None:
            state["opt_d"] = self.opt_d.state_dict()
        if self._preview is not None:
            state["preview"] = self._preview
        return state

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.opt_g.load_state_dict(state["opt_g"])
        if self.opt_d is not None and "opt_d" in state:
            self.opt_d.load_state_dict(state["opt_d"])
        self.steps = int(state["steps"])
        self._preview = state.get("preview")
