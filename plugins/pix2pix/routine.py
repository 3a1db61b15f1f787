"""Training math of pix2pix (GAN + λ·L1 on pairs) and CycleGAN (LSGAN + cycle + identity)."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

PREVIEW_COUNT = 8  # inputs kept from the first batch for the fixed-seed previews


def as_channels(x: Tensor, channels: int) -> Tensor:
    """A (B, 1|3, H, W) batch with ``channels`` channels: grey is repeated, colour averaged."""
    if x.shape[1] == channels:
        return x
    if channels == 1:
        return x.mean(1, keepdim=True)
    return x.expand(-1, channels, -1, -1)


def _unwrap(module: nn.Module) -> nn.Module:
    return getattr(module, "module", module)


def _adam(module: nn.Module, cfg: Any) -> torch.optim.Adam:
    return torch.optim.Adam(module.parameters(), lr=cfg.lr, betas=(cfg.beta1, cfg.beta2))


def _previews(kept: Tensor | None, n: int) -> Tensor:
    """``n`` preview inputs, repeating the kept ones."""
    if kept is None:
        raise RuntimeError("no batch seen yet: previews come from the first training batch")
    reps = -(-n // kept.shape[0])
    return kept.repeat(reps, 1, 1, 1)[:n]


class Pix2PixRoutine:
    """The reference ``Pix2PixModel.optimize_parameters``: D on (A, B) pairs, then G.

    D's loss is halved, as in the reference (it slows D relative to G); the
    GAN terms come from the chosen objective (``bce`` is the reference's
    "vanilla" loss), the L1 term pulls the output to the target.
    """

    def __init__(self, models: Mapping[str, nn.Module], config: Any, objective: Any, ctx: Any):
        self.G, self.D, self.G_ema = models["G"], models["D"], models.get("G_ema")
        self.cfg, self.obj, self.ctx = config, objective, ctx
        self.opt_g, self.opt_d = _adam(self.G, config), _adam(self.D, config)
        self.kept: Tensor | None = None
        self.steps = 0

    def step(self, batch: Mapping[str, Tensor]) -> dict[str, float]:
        real_b = as_channels(batch["image"], self.cfg.channels)  # (B, C, H, W) target
        real_a = as_channels(batch["sketch"], self.cfg.input_channels)  # (B, Ci, H, W)
        if self.kept is None:
            self.kept = real_a[:PREVIEW_COUNT].detach().clone()
        p = self.ctx.precision
        with p.autocast():
            fake_b = self.G(real_a)

        self.opt_d.zero_grad(set_to_none=True)
        real_ab, fake_ab = torch.cat([real_a, real_b], 1), torch.cat([real_a, fake_b.detach()], 1)
        with p.autocast():
            d_real, d_fake = self.D(real_ab).float(), self.D(fake_ab).float()
        loss_d = 0.5 * self.obj.d_loss(d_real, d_fake)
        penalty = self.obj.penalty(_unwrap(self.D), real_ab, fake_ab.float())
        p.backward(loss_d + penalty)
        p.step(self.opt_d)

        self.opt_g.zero_grad(set_to_none=True)
        self.D.requires_grad_(False)
        try:
            with p.autocast():
                g_fake = self.D(torch.cat([real_a, fake_b], 1)).float()
            loss_gan = self.obj.g_loss(g_fake)
            loss_l1 = F.l1_loss(fake_b.float(), real_b)
            p.backward(loss_gan + self.cfg.lambda_l1 * loss_l1)
        finally:
            self.D.requires_grad_(True)
        p.step(self.opt_g)
        self.steps += 1
        return {"loss_d": loss_d.item(), "loss_g_gan": loss_gan.item(), "l1": loss_l1.item()}

    @torch.no_grad()
    def samples(self, n: int, seed: int) -> Tensor:
        """The generator on the first batch's inputs (repeated to ``n``); ``seed`` is unused."""
        g = self.G_ema if self.G_ema is not None else _unwrap(self.G)
        was = g.training
        g.eval()
        try:
            return g(_previews(self.kept, n).to(self.ctx.device))
        finally:
            g.train(was)

    def state_dict(self) -> dict[str, Any]:
        return {
            "opt_g": self.opt_g.state_dict(),
            "opt_d": self.opt_d.state_dict(),
            "steps": self.steps,
            "kept": None if self.kept is None else self.kept.cpu(),
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        self.steps = int(state["steps"])
        kept = state.get("kept")
        self.kept = None if kept is None else kept.to(self.ctx.device)


class ImagePool:
    """The reference's history of generated images (Shrivastava et al. 2017).

    Until it holds ``size`` images each new one is stored and returned; then
    each is, with probability ½, swapped for a stored one (which D sees
    instead).  D so also sees what G made a while ago, which damps oscillation.
    """

    def __init__(self, size: int, seed: int = 0) -> None:
        self.size = size
        self.images: list[Tensor] = []
        self.rng = random.Random(seed)

    def query(self, images: Tensor) -> Tensor:
        if self.size == 0:
            return images
        out = []
        for image in images.detach():
            image = image.unsqueeze(0)
            if len(self.images) < self.size:
                self.images.append(image)
                out.append(image)
            elif self.rng.random() > 0.5:
                i = self.rng.randrange(self.size)
                out.append(self.images[i].clone())
                self.images[i] = image
            else:
                out.append(image)
        return torch.cat(out, 0)


class CycleGANRoutine:
    """The reference ``CycleGANModel.optimize_parameters``: both G, then both D.

    G: adversarial (the objective, LSGAN by default) both ways, cycle
    ‖G_B(G_A(a)) − a‖₁·λ and back, identity ‖G_A(b) − b‖₁·λ·λ_idt and back.
    D: real against a pooled fake, halved.  Batches are unpaired:
    ``image`` is domain B, ``source`` domain A (paired data's ``sketch`` serves
    as A when there is no ``source``: the pairing is then simply not used).
    A resumed run starts with an empty history pool (the pool is not saved:
    it would be 50 images per side).
    """

    def __init__(self, models: Mapping[str, nn.Module], config: Any, objective: Any, ctx: Any):
        self.G, self.D, self.G_ema = models["G"], models["D"], models.get("G_ema")
        self.cfg, self.obj, self.ctx = config, objective, ctx
        self.opt_g, self.opt_d = _adam(self.G, config), _adam(self.D, config)
        seed = 1000 * ctx.rank
        self.pool_a, self.pool_b = (
            ImagePool(config.pool_size, seed),
            ImagePool(config.pool_size, seed + 1),
        )
        self.kept: Tensor | None = None
        self.steps = 0

    def step(self, batch: Mapping[str, Tensor]) -> dict[str, float]:
        c = self.cfg.channels
        source = batch["source"] if "source" in batch else batch["sketch"]  # paired data works too
        real_a, real_b = as_channels(source, c), as_channels(batch["image"], c)
        if self.kept is None:
            self.kept = real_a[:PREVIEW_COUNT].detach().clone()
        p, lam = self.ctx.precision, self.cfg.lambda_cycle
        identity = self.cfg.lambda_identity > 0
        D = _unwrap(self.D)

        self.opt_g.zero_grad(set_to_none=True)
        D.requires_grad_(False)
        try:
            with p.autocast():
                out = self.G(real_a, real_b, identity)  # through DDP when wrapped
                d_a, d_b = (t.float() for t in self.D(out["fake_a"], out["fake_b"]))
            adv = self.obj.g_loss(d_b) + self.obj.g_loss(d_a)
            cyc_a = F.l1_loss(out["rec_a"].float(), real_a)
            cyc_b = F.l1_loss(out["rec_b"].float(), real_b)
            loss_g = adv + lam * (cyc_a + cyc_b)
            idt = real_a.new_zeros(())
            if identity:
                idt = F.l1_loss(out["idt_b"].float(), real_b) + F.l1_loss(
                    out["idt_a"].float(), real_a
                )
                loss_g = loss_g + lam * self.cfg.lambda_identity * idt
            p.backward(loss_g)
        finally:
            D.requires_grad_(True)
        p.step(self.opt_g)

        self.opt_d.zero_grad(set_to_none=True)
        fake_a = self.pool_a.query(out["fake_a"].float())
        fake_b = self.pool_b.query(out["fake_b"].float())
        with p.autocast():
            r_a, r_b = (t.float() for t in self.D(real_a, real_b))
            f_a, f_b = (t.float() for t in self.D(fake_a, fake_b))
        loss_d_a = 0.5 * self.obj.d_loss(r_a, f_a)
        loss_d_b = 0.5 * self.obj.d_loss(r_b, f_b)
        penalty = self.obj.penalty(D.a, real_a, fake_a) + self.obj.penalty(D.b, real_b, fake_b)
        p.backward(loss_d_a + loss_d_b + penalty)
        p.step(self.opt_d)
        self.steps += 1
        return {
            "loss_g": adv.item(),
            "cycle": (cyc_a + cyc_b).item(),
            "identity": idt.item(),
            "loss_d_a": loss_d_a.item(),
            "loss_d_b": loss_d_b.item(),
        }

    @torch.no_grad()
    def samples(self, n: int, seed: int) -> Tensor:
        """A→B on the first batch's A images (repeated to ``n``); ``seed`` is unused."""
        g = self.G_ema if self.G_ema is not None else _unwrap(self.G)
        was = g.training
        g.eval()
        try:
            return g(_previews(self.kept, n).to(self.ctx.device))
        finally:
            g.train(was)

    state_dict = Pix2PixRoutine.state_dict
    load_state_dict = Pix2PixRoutine.load_state_dict
