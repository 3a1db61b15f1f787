"""A small MLP GAN on the toy distributions: the GAN lab's engine and the comparison's model.

Qt-free: the lab drives it from a worker thread and draws its :class:`LabFrame`
snapshots; ``scripts/compare_objectives.py`` trains it headless.  The update is
the DCGAN family's (``plugins/dcgan/routine.py``) with the same shared
stabilisers (:mod:`ganstudio.stabilisers`), so what the lab shows is what
``--set`` does to a real variant.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from ganstudio.core.device import Precision
from ganstudio.core.modes import ModeReport, ToyDistribution, mode_coverage
from ganstudio.core.specs import STABILISERS, StabiliserConfig
from ganstudio.stabilisers import (
    Stabilisers,
    minibatch_layers,
    pack,
    packed_channels,
    stabilise_discriminator,
)

#: fields whose change rebuilds D (its architecture depends on them)
_D_SHAPE = ("spectral_norm", "minibatch_disc", "minibatch_std", "pack")


@dataclass
class ToyConfig(StabiliserConfig):
    """The toy GAN: 3-layer MLPs (ReLU G, LeakyReLU D), Adam, a fixed batch."""

    z_dim: int = 4
    hidden: int = 128
    lr: float = 1e-3
    beta1: float = 0.5
    beta2: float = 0.999
    batch: int = 256


def _mlp(inputs: int, hidden: int, outputs: int, act: type[nn.Module]) -> list[nn.Module]:
    return [nn.Linear(inputs, hidden), act(), nn.Linear(hidden, hidden), act()]


def build_toy(dim: int, cfg: ToyConfig) -> tuple[nn.Module, nn.Module]:
    """G: z (B, z_dim) → (B, dim); D: (B, dim·pack) → (B,) raw scores."""
    G = nn.Sequential(*_mlp(cfg.z_dim, cfg.hidden, dim, nn.ReLU), nn.Linear(cfg.hidden, dim))
    extra, feat = minibatch_layers(cfg.hidden, cfg)
    layers = _mlp(packed_channels(dim, cfg), cfg.hidden, 1, lambda: nn.LeakyReLU(0.2))  # type: ignore[arg-type,return-value]
    D = nn.Sequential(*layers, *extra, nn.Linear(feat, 1), nn.Flatten(0))
    return G, stabilise_discriminator(D, cfg)


@dataclass
class LabFrame:
    """One picture of training: numpy arrays the lab draws, and the numbers it prints."""

    step: int
    real: np.ndarray  # (N, dim)
    fake: np.ndarray  # (N, dim)
    surface: np.ndarray  # (R, R) for 2-D, (1, R) for 1-D: D's score in [0, 1], rows = y up
    field_points: np.ndarray  # (M, dim): where G's gradient is shown
    field: np.ndarray  # (M, dim): −∇ₓ G's loss, the way G pushes a sample there
    extent: float
    modes: ModeReport
    losses: dict[str, float] = dataclasses.field(default_factory=dict)


class ToyGAN:
    """Trains G and D on a toy distribution; objective and stabilisers switchable live."""

    def __init__(
        self,
        dist: ToyDistribution,
        objective: Any,
        config: ToyConfig | None = None,
        seed: int = 0,
        device: str = "cpu",
    ) -> None:
        self.dist = dist
        self.cfg = config or ToyConfig()
        self.device = torch.device(device)
        self.rng = np.random.default_rng(seed)
        torch.manual_seed(seed)
        self.G, self.D = (m.to(self.device) for m in build_toy(dist.dim, self.cfg))
        self.ctx = _Context(self.device)
        self.steps = 0
        self.losses: dict[str, float] = {}
        self.configure(objective, self.cfg)

    def configure(self, objective: Any, config: ToyConfig) -> None:
        """Switch objective and stabilisers; D is rebuilt when its architecture changes."""
        reshape = any(getattr(config, f) != getattr(self.cfg, f) for f in _D_SHAPE)
        self.cfg, self.obj = config, objective
        if reshape:
            self.D = build_toy(self.dist.dim, config)[1].to(self.device)
        self.stab = Stabilisers(config, objective, self.ctx, STABILISERS, "the GAN lab")
        self.stab.steps = self.steps
        betas = (config.beta1, config.beta2)
        self.opt_g, self.opt_d = self.stab.optimizers(self.G, self.D, config.lr, betas)
        self.judge = self.stab.discriminator(self.D)

    def real_batch(self, n: int) -> Tensor:
        return torch.from_numpy(self.dist.sample(n, self.rng)).to(self.device)

    def _z(self, n: int) -> Tensor:
        return torch.randn(n, self.cfg.z_dim, device=self.device)

    def _d_update(self, real: Tensor, fake: Tensor) -> Tensor:
        s = self.stab
        real, fake = s.d_inputs(real, fake)
        self.opt_d.zero_grad(set_to_none=True)
        loss_d = s.d_loss(self.judge(real), self.judge(fake))
        s.update(loss_d + s.penalty(self.judge, real, fake), self.D, self.opt_d, True)
        return loss_d

    def step(self) -> dict[str, float]:
        """One D update, and a G update on G's turn (the DCGAN family's step)."""
        s, n = self.stab, self.cfg.batch
        real = self.real_batch(n)
        fake = self.G(self._z(n))
        out = {"loss_d": self._d_update(real, fake.detach()).item()}
        if s.g_turn():

            def unroll() -> None:
                with torch.no_grad():
                    fresh = self.G(self._z(n))
                self._d_update(self.real_batch(n), fresh)

            with s.unrolled(self.D, self.opt_d, unroll):
                self.opt_g.zero_grad(set_to_none=True)
                loss_g = s.g_loss(self.judge(fake), lambda: self.judge(real))
                s.update(loss_g, self.G, self.opt_g)
            out["loss_g"] = loss_g.item()
        s.tick()
        self.steps += 1
        self.losses.update(out)
        return out

    @torch.no_grad()
    def generate(self, n: int, seed: int | None = None) -> np.ndarray:
        g = torch.Generator(device="cpu").manual_seed(seed) if seed is not None else None
        z = torch.randn(n, self.cfg.z_dim, generator=g).to(self.device)
        return self.G(z).cpu().numpy()

    def modes(self, n: int = 2500) -> ModeReport:
        """Modes covered and high-quality share of ``n`` fresh samples (PacGAN's 2 500)."""
        return mode_coverage(self.generate(n, seed=12345), self.dist)

    def _scores(self, x: Tensor) -> Tensor:
        """D's score of each point alone (a pack of m copies of it when packing)."""
        m = self.cfg.pack
        return self.D(pack(x.repeat_interleave(m, 0), m)) if m > 1 else self.D(x)

    def _grid(self, res: int) -> Tensor:
        e = self.dist.extent
        ticks = torch.linspace(-e, e, res)
        if self.dist.dim == 1:
            return ticks[:, None]
        yy, xx = torch.meshgrid(ticks.flip(0), ticks, indexing="ij")  # row 0 = top = +y
        return torch.stack([xx.ravel(), yy.ravel()], 1)

    def surface(self, res: int = 64) -> np.ndarray:
        """D's score on a res×res grid (1×res in 1-D), scaled to [0, 1]: 1 = looks real."""
        with torch.no_grad():
            s = self._scores(self._grid(res).to(self.device)).float().cpu().numpy()
        s = np.nan_to_num(s)
        lo, hi = float(s.min()), float(s.max())
        s = (s - lo) / (hi - lo) if hi - lo > 1e-12 else np.full_like(s, 0.5)
        return s.reshape(1, res) if self.dist.dim == 1 else s.reshape(res, res)

    def gradient_field(self, res: int = 17) -> tuple[np.ndarray, np.ndarray]:
        """Points of a coarse grid and −∇ₓ of G's loss there: where G would move a sample."""
        x = self._grid(res).to(self.device).requires_grad_(True)
        real = self.real_batch(256)
        loss = self.stab.g_loss(self._scores(x), lambda: self.judge(real)) * x.size(0)
        (grad,) = torch.autograd.grad(loss, x)
        return x.detach().cpu().numpy(), np.nan_to_num(-grad.cpu().numpy())

    def frame(self, n: int = 512, res: int = 64) -> LabFrame:
        points, push = self.gradient_field()
        return LabFrame(
            step=self.steps,
            real=self.dist.sample(n, np.random.default_rng(7)),
            fake=self.generate(n),
            surface=self.surface(res),
            field_points=points,
            field=push,
            extent=self.dist.extent,
            modes=self.modes(1000),
            losses=dict(self.losses),
        )


class _Context:
    """What the shared driver needs of a routine's context: fp32 on one device."""

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.precision = Precision(device, False)
        self.rank, self.world_size, self.label_names = 0, 1, ()


def stabiliser_presets(steps: int = 2000, lr: float = 1e-3) -> dict[str, dict[str, Any]]:
    """Each stabiliser switched on alone, at the value its paper (or common practice) uses.

    The GAN lab's check boxes and ``scripts/compare_objectives.py`` share them;
    ``steps`` is the training budget (instance noise anneals over half of it)
    and ``lr`` the base learning rate (two time scales: G at lr/2, D at 2·lr).
    """
    return {
        "spectral-norm": {"spectral_norm": True},
        "r1": {"r1": 1.0},
        "r2": {"r2": 1.0},
        "grad-clip": {"grad_clip": 1.0},
        "instance-noise": {"instance_noise": 0.1, "noise_anneal": steps // 2},
        "replay": {"replay": 0.25, "replay_size": 1024},
        "minibatch-discrimination": {"minibatch_disc": 8},
        "minibatch-std": {"minibatch_std": True},
        "pack": {"pack": 4},
        "unrolled": {"unrolled": 5},
        "ttur": {"lr": lr / 2, "lr_d": lr * 2},
        "d-steps": {"d_steps": 2},
        "label-smoothing": {"label_smoothing": 0.1},
    }


def with_changes(config: ToyConfig, **changes: Any) -> ToyConfig:
    """A copy of ``config`` with ``changes``, checked (ValueError for a bad value)."""
    new = dataclasses.replace(config, **changes)
    new.check_stabilisers()
    return new
