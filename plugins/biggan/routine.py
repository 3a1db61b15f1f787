"""One D/G update of the class-conditional BigGAN: hinge (or any objective) + ortho reg."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import Tensor, nn

from ganstudio.blocks import sampling, seeded_normal
from ganstudio.core.specs import ConfigError

from .config import BigGANConfig
from .models import orthogonal_penalty


def class_columns(cfg: BigGANConfig, label_names: Sequence[str]) -> list[int]:
    """The label columns of the classes, in class order; a clear error when missing."""
    names = list(label_names)
    if not names:
        raise ConfigError("BigGAN is class-conditional: it needs labelled data")
    missing = [c for c, n in zip(cfg.classes, cfg.class_names, strict=True) if n not in names]
    if missing:
        group = [n.split("=", 1)[1] for n in names if n.startswith(cfg.condition + "=")]
        known = f" (it has: {', '.join(group)})" if group else " (no such label group)"
        raise ConfigError(f"the data's {cfg.condition} has no class {missing[0]!r}{known}")
    return [names.index(c) for c in cfg.class_names]


def classes_of(labels: Tensor, columns: Sequence[int]) -> Tensor:
    """(B, L) labels → (B,) class indices; -1 where the row is none of the classes."""
    onehot = labels[:, list(columns)].float()
    idx = onehot.argmax(1)
    return torch.where(onehot.amax(1) > 0, idx, torch.full_like(idx, -1))


class BigGANRoutine:
    """BigGAN's update with one D step per G step (the paper uses two; one keeps
    each module's forward single per step, as DDP expects)."""

    def __init__(
        self, models: Mapping[str, nn.Module], config: BigGANConfig, objective: Any, ctx: Any
    ) -> None:
        self.G, self.D = models["G"], models["D"]
        self.G_ema = models.get("G_ema")
        self.cfg, self.obj, self.ctx = config, objective, ctx
        self.columns = class_columns(config, ctx.label_names)
        betas = (config.beta1, config.beta2)
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=config.lr_g, betas=betas)
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=config.lr_d, betas=betas)
        self.steps = 0

    def step(self, batch: Mapping[str, Tensor]) -> dict[str, float]:
        if "labels" not in batch:
            raise ValueError("BigGAN needs labelled data (the batch has no 'labels')")
        y = classes_of(batch["labels"], self.columns)
        keep = y >= 0
        real, y = batch["image"][keep], y[keep]
        if real.size(0) < 2:  # no row of this batch is one of the classes
            return {}
        p = self.ctx.precision
        z = torch.randn(real.size(0), self.cfg.z_dim, device=real.device)
        with p.autocast():
            fake = self.G(z, y)  # (B, C, H, W)

        self.opt_d.zero_grad(set_to_none=True)
        with p.autocast():
            d_real = self.D(real, y).float()
            d_fake = self.D(fake.detach(), y).float()
        loss_d = self.obj.d_loss(d_real, d_fake)
        penalty = self.obj.penalty(lambda x: self.D(x, y), real, fake.detach().float())
        p.backward(loss_d + penalty)
        p.step(self.opt_d)

        self.opt_g.zero_grad(set_to_none=True)
        with p.autocast():
            g_fake = self.D(fake, y).float()
        loss_g = self.obj.g_loss(g_fake)
        ortho = (
            self.cfg.ortho * orthogonal_penalty(getattr(self.G, "module", self.G))
            if self.cfg.ortho > 0
            else loss_g.new_zeros(())
        )
        p.backward(loss_g + ortho)
        p.step(self.opt_g)
        self.steps += 1
        out = {
            "loss_d": loss_d.item(),
            "loss_g": loss_g.item(),
            "d_real": d_real.mean().item(),
            "d_fake": d_fake.mean().item(),
            "ortho": ortho.item(),
        }
        if penalty.requires_grad:
            out["penalty"] = penalty.item()
        return out

    @torch.no_grad()
    def samples(self, n: int, seed: int) -> Tensor:
        """Image i: noise from seed + i // K, class i mod K — each row one z, every class."""
        with sampling(self.G, self.G_ema) as g:
            device = next(g.parameters()).device
            k = self.cfg.num_classes
            z = seeded_normal(n, self.cfg.z_dim, [seed + i // k for i in range(n)]).to(device)
            return g(z, (torch.arange(n) % k).to(device))

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
