"""One update of the autoencoder, the VAE, or the VAE-GAN."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ganstudio.blocks import sampling, seeded_normal

from .config import AutoencoderConfig
from .damage import corrupt


def kl_per_pixel(mu: Tensor, logvar: Tensor, pixels: int) -> Tensor:
    """KL(N(μ, σ²) ‖ N(0, 1)) summed over latent dims, averaged over the batch, per pixel."""
    return (-0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(1)).mean() / pixels


class AutoencoderRoutine:
    """Reconstruct the clean image from a (possibly damaged) one.

    Loss: pixel MSE (+ β·KL for a VAE).  With a ``D`` (VAE-GAN, Larsen et al.
    2016) the decoder is also a generator: D sees real images, reconstructions
    and decodings of prior samples; G adds the objective's generator loss and
    an MSE between D's middle features of real and reconstructed images.
    """

    def __init__(
        self,
        models: Mapping[str, nn.Module],
        config: AutoencoderConfig,
        objective: Any,
        ctx: Any,
    ) -> None:
        self.G, self.G_ema, self.D = models["G"], models.get("G_ema"), models.get("D")
        self.cfg, self.obj, self.ctx = config, objective, ctx
        betas = (config.beta1, 0.999)
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=config.lr, betas=betas)
        self.opt_d = (
            torch.optim.Adam(self.D.parameters(), lr=config.lr, betas=betas)
            if self.D is not None
            else None
        )
        self.preview: Tensor | None = None  # a few training images, for samples()
        self.steps = 0

    def step(self, batch: Mapping[str, Tensor]) -> dict[str, float]:
        real = batch["image"]  # (B, C, R, R)
        if self.preview is None:
            self.preview = real[:8].detach().clone()
        damaged, hole = corrupt(real, self.cfg)
        p, cfg = self.ctx.precision, self.cfg
        adversarial = self.D is not None and self.obj is not None
        prior = (
            torch.randn(real.size(0), cfg.latent_dim, device=real.device) if adversarial else None
        )
        with p.autocast():
            recon, mu, logvar, fake = self.G(damaged, hole, prior)
        out: dict[str, float] = {}
        if adversarial:
            assert self.D is not None and self.opt_d is not None and fake is not None
            self.opt_d.zero_grad(set_to_none=True)
            with p.autocast():
                logits = self.D(torch.cat([real, recon.detach(), fake.detach()])).float()
            b = real.size(0)
            loss_d = self.obj.d_loss(logits[:b], logits[b:])
            penalty = self.obj.penalty(self.D, real, fake.detach().float())
            p.backward(loss_d + penalty)
            p.step(self.opt_d)
            out["loss_d"] = loss_d.item()
        self.opt_g.zero_grad(set_to_none=True)
        rec = F.mse_loss(recon.float(), real.float())
        loss = rec
        out["recon"] = rec.item()
        if logvar is not None:
            kl = kl_per_pixel(mu.float(), logvar.float(), real[0].numel())
            loss = loss + cfg.kl_weight * kl
            out["kl"] = kl.item()
        if adversarial:
            assert self.D is not None and fake is not None
            with p.autocast():
                logits, feats = self.D(torch.cat([real, recon, fake]), with_features=True)
            b = real.size(0)
            loss_adv = self.obj.g_loss(logits[b:].float())
            loss_feat = F.mse_loss(feats[b : 2 * b].float(), feats[:b].detach().float())
            loss = loss + cfg.adv_weight * loss_adv + cfg.feature_weight * loss_feat
            out["loss_g"], out["feature"] = loss_adv.item(), loss_feat.item()
        p.backward(loss)
        p.step(self.opt_g)
        self.steps += 1
        return out

    @torch.no_grad()
    def samples(self, n: int, seed: int) -> Tensor:
        """A VAE draws from the prior; a plain autoencoder shows image, reconstruction pairs."""
        with sampling(self.G, self.G_ema) as net:
            g: Any = net  # the autoencoder (encode/decode) behind sampling()'s Module type
            device = next(g.parameters()).device
            if self.cfg.variational or self.preview is None:
                return g.decode(seeded_normal(n, self.cfg.latent_dim, seed=seed).to(device))
            real = self.preview[: max(1, n // 2)].to(device)
            recon = g.decode(g.encode(real)[0])
            pairs = torch.stack([real, recon], 1).flatten(0, 1)  # (2k, C, R, R)
            return pairs[:n]

    def state_dict(self) -> dict[str, Any]:
        state: dict[str, Any] = {"opt_g": self.opt_g.state_dict(), "steps": self.steps}
        if self.opt_d is not None:
            state["opt_d"] = self.opt_d.state_dict()
        return state

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.opt_g.load_state_dict(state["opt_g"])
        if self.opt_d is not None:
            self.opt_d.load_state_dict(state["opt_d"])
        self.steps = int(state["steps"])
