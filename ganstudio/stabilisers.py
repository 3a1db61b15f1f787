"""The seeds' GAN stabilisers, shared by every routine that supports them; part of the contract.

A variant's config derives from :class:`ganstudio.core.specs.StabiliserConfig`
(the switches) and its ``Variant.stabilisers`` names what its routine applies.
This module is the math, written once:

- at build time, :func:`stabilise_discriminator` applies spectral norm and
  :func:`minibatch_layers` gives the minibatch-discrimination / stddev layers a
  discriminator inserts before its last layer (PacGAN needs ``channels * pack``
  inputs: :func:`packed_channels`);
- at training time, a routine makes one :class:`Stabilisers` and calls it at
  fixed points of its step (inputs of D, D's loss and penalty, each update, G's
  turn, the unrolled D).  ``plugins/dcgan/routine.py`` is the complete example.

Importing this module imports torch: import it from model and routine modules.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import torch
from torch import Tensor, nn

from ganstudio.core.specs import STABILISERS, ConfigError, StabiliserConfig

__all__ = [
    "MinibatchDiscrimination",
    "MinibatchStdDev",
    "Stabilisers",
    "gradient_penalty",
    "minibatch_layers",
    "pack",
    "packed_channels",
    "stabilise_discriminator",
]


# --------------------------------------------------------------------------- build time


def stabilise_discriminator(D: nn.Module, config: Any) -> nn.Module:
    """Spectral norm on every conv and linear layer of D when ``config.spectral_norm``.

    Call it after the weight init: the parametrisation divides the initialised
    weight by its largest singular value (one power iteration per forward).
    """
    if getattr(config, "spectral_norm", False):
        for module in list(D.modules()):
            if isinstance(module, (nn.Conv2d, nn.Linear, nn.ConvTranspose2d)):
                nn.utils.parametrizations.spectral_norm(module)
    return D


def packed_channels(channels: int, config: Any) -> int:
    """D's input channels under PacGAN: ``channels * pack``."""
    return channels * max(1, int(getattr(config, "pack", 1)))


def pack(x: Tensor, m: int) -> Tensor:
    """(B, C, …) → (B // m, C·m, …): m consecutive samples judged together (PacGAN).

    A remainder of the batch that does not fill a pack is dropped.
    """
    if m <= 1:
        return x
    b = x.size(0) // m * m
    if b == 0:
        raise ValueError(f"a batch of {x.size(0)} cannot be packed by {m}")
    x = x[:b]
    return x.reshape(b // m, m * x.size(1), *x.shape[2:])


class MinibatchStdDev(nn.Module):
    """Appends one feature: the batch's standard deviation averaged over features (ProGAN).

    (B, F) → (B, F + 1); (B, F, H, W) → (B, F + 1, H, W).
    """

    def forward(self, x: Tensor) -> Tensor:
        std = x.float().std(dim=0, unbiased=False).mean() if x.size(0) > 1 else x.new_zeros(())
        extra = std.to(x.dtype).expand(x.size(0), 1, *x.shape[2:])
        return torch.cat([x, extra], dim=1)


class MinibatchDiscrimination(nn.Module):
    """Salimans et al. 2016: K features saying how close each sample is to the rest of its batch.

    Each sample's features are projected to K rows of ``kernel_dim``; the
    feature k is Σ_j exp(−‖M_i,k − M_j,k‖₁) over the other samples j.
    (B, F) → (B, F + K); (B, F, H, W) → (B, F + K, H, W), the K values
    broadcast over the map.
    """

    def __init__(self, in_features: int, kernels: int, kernel_dim: int = 5) -> None:
        super().__init__()
        self.kernels, self.kernel_dim = kernels, kernel_dim
        self.T = nn.Parameter(torch.randn(in_features, kernels * kernel_dim) * 0.1)

    def forward(self, x: Tensor) -> Tensor:
        m = (x.flatten(1).float() @ self.T.float()).view(x.size(0), self.kernels, self.kernel_dim)
        dist = (m.unsqueeze(0) - m.unsqueeze(1)).abs().sum(3)  # (B, B, K)
        o = torch.exp(-dist).sum(1) - 1  # (B, K): minus each sample's own term
        extra = o.to(x.dtype).view(x.size(0), self.kernels, *([1] * (x.dim() - 2)))
        return torch.cat([x, extra.expand(-1, -1, *x.shape[2:])], dim=1)


def minibatch_layers(features: int, config: Any, spatial: int = 1) -> tuple[list[nn.Module], int]:
    """Layers a discriminator inserts before its last layer, and its new feature count.

    ``features`` is the channel (or feature) count there and ``spatial`` the
    number of positions of each channel (16 for a (B, F, 4, 4) map).  Empty when
    neither minibatch discrimination nor minibatch stddev is switched on, so a
    default model keeps its layer names.
    """
    layers: list[nn.Module] = []
    kernels = int(getattr(config, "minibatch_disc", 0))
    if kernels:
        layers.append(MinibatchDiscrimination(features * spatial, kernels))
        features += kernels
    if getattr(config, "minibatch_std", False):
        layers.append(MinibatchStdDev())
        features += 1
    return layers, features


def gradient_penalty(D: Callable[[Tensor], Tensor], x: Tensor) -> Tensor:
    """E‖∇ₓD(x)‖², differentiable in D's weights (the R1/R2 term before γ/2)."""
    x = x.detach().float().requires_grad_(True)
    (grad,) = torch.autograd.grad(D(x).float().sum(), x, create_graph=True)
    return grad.pow(2).flatten(1).sum(1).mean()


# --------------------------------------------------------------------------- train time


class Stabilisers:
    """The training half: one per routine, called at fixed points of its step.

    ``supported`` is the routine's ``Variant.stabilisers``: a stabiliser switched
    on in ``config`` but not supported is refused here, with a readable error,
    before any training (so ``--set`` never silently does nothing).
    """

    def __init__(
        self,
        config: Any,
        objective: Any,
        ctx: Any,
        supported: Iterable[str],
        variant: str = "this variant",
    ) -> None:
        self.cfg: Any = config if isinstance(config, StabiliserConfig) else StabiliserConfig()
        self.obj, self.ctx = objective, ctx
        supported = frozenset(supported)
        active = self.cfg.active_stabilisers()
        for name in active:
            if name not in supported:
                field = STABILISERS[name].fields[0]
                offered = ", ".join(sorted(supported)) or "none"
                raise ConfigError(
                    f"{variant} does not support {name} ({field}); it supports: {offered}"
                )
        if self.cfg.label_smoothing and not hasattr(objective, "smoothed_d_loss"):
            raise ConfigError(
                "label_smoothing needs an objective with real/fake targets "
                "(bce, bce-saturating or lsgan)"
            )
        self.active = active
        self.steps = 0
        self._replay: Tensor | None = None
        self._replay_fill = 0
        self._unrolling = False

    # ---------------------------------------------------------------- set-up

    def optimizers(
        self, G: nn.Module, D: nn.Module, lr: float, betas: tuple[float, float]
    ) -> tuple[torch.optim.Optimizer, torch.optim.Optimizer]:
        """Adam for G at ``lr`` and for D at ``lr_d`` (two time scales) or ``lr``."""
        lr_d = self.cfg.lr_d or lr
        opt_g = torch.optim.Adam(G.parameters(), lr=lr, betas=betas)
        opt_d = torch.optim.Adam(D.parameters(), lr=lr_d, betas=betas)
        return opt_g, opt_d

    def discriminator(self, D: Callable[..., Tensor]) -> Callable[..., Tensor]:
        """D as the routine calls it: packing m samples per decision (PacGAN) when on."""
        m = self.cfg.pack
        if m <= 1:
            return D
        return lambda x, *args, **kwargs: D(pack(x, m), *args, **kwargs)

    # ---------------------------------------------------------------- D's inputs and loss

    @property
    def noise_std(self) -> float:
        """Instance noise σ now: linear from ``instance_noise`` to 0 over ``noise_anneal`` steps."""
        sigma, span = self.cfg.instance_noise, self.cfg.noise_anneal
        if not sigma:
            return 0.0
        return sigma * max(0.0, 1.0 - self.steps / span) if span else sigma

    def d_inputs(self, real: Tensor, fake: Tensor) -> tuple[Tensor, Tensor]:
        """What D is shown: replayed past fakes mixed in, then instance noise on both."""
        fake = self._mix_replay(fake.detach())
        sigma = self.noise_std
        if sigma > 0:
            real = real + sigma * torch.randn_like(real)
            fake = fake + sigma * torch.randn_like(fake)
        return real, fake

    def _mix_replay(self, fake: Tensor) -> Tensor:
        share = self.cfg.replay
        if not share:
            return fake
        size = self.cfg.replay_size
        if self._replay is None or self._replay.shape[1:] != fake.shape[1:]:
            self._replay = fake.new_zeros(size, *fake.shape[1:])
            self._replay_fill = 0
        n_old = min(int(round(share * fake.size(0))), self._replay_fill)
        mixed = fake
        if n_old:
            pick = torch.randint(self._replay_fill, (n_old,), device=fake.device)
            mixed = torch.cat([self._replay[pick].to(fake.dtype), fake[n_old:]])
        if not self._unrolling:  # remember this step's fakes (a ring buffer)
            n = min(fake.size(0), size)
            where = (torch.arange(n, device=fake.device) + self.steps * n) % size
            self._replay[where] = fake[:n].float()
            self._replay_fill = min(size, self._replay_fill + n)
        return mixed

    def d_loss(self, real_logits: Tensor, fake_logits: Tensor) -> Tensor:
        """The objective's D loss, with one-sided label smoothing when it is on."""
        s = self.cfg.label_smoothing
        if s:
            return self.obj.smoothed_d_loss(real_logits, fake_logits, s)
        return self.obj.d_loss(real_logits, fake_logits)

    def penalty(self, D: Callable[[Tensor], Tensor], real: Tensor, fake: Tensor) -> Tensor:
        """The objective's penalty plus γ/2·R1 on real and γ/2·R2 on fake inputs."""
        total = self.obj.penalty(D, real, fake.float())
        if self.cfg.r1:
            total = total + 0.5 * self.cfg.r1 * gradient_penalty(D, real)
        if self.cfg.r2:
            total = total + 0.5 * self.cfg.r2 * gradient_penalty(D, fake)
        return total

    # ---------------------------------------------------------------- G's loss

    def g_loss(self, fake_logits: Tensor, real_logits: Callable[[], Tensor]) -> Tensor:
        """The objective's G loss; a relativistic one also gets D's (detached) real logits."""
        if getattr(self.obj, "relativistic", False):
            with torch.no_grad():
                real = real_logits().float()
            return self.obj.g_loss(fake_logits, real)
        return self.obj.g_loss(fake_logits)

    # ---------------------------------------------------------------- updates

    def update(
        self,
        loss: Tensor,
        module: nn.Module,
        optimizer: torch.optim.Optimizer,
        discriminator: bool = False,
    ) -> None:
        """backward, gradient clipping, optimizer step, and the objective's after-D-step."""
        p = self.ctx.precision
        p.backward(loss)
        if self.cfg.grad_clip:
            scaler = getattr(p, "scaler", None)
            if scaler is not None:  # clip the true gradients, not fp16-scaled ones
                scaler.unscale_(optimizer)
            nn.utils.clip_grad_norm_(module.parameters(), self.cfg.grad_clip)
        p.step(optimizer)
        after = getattr(self.obj, "after_d_step", None)
        if discriminator and after is not None:
            after(getattr(module, "module", module))

    def g_turn(self) -> bool:
        """Whether this step also updates G (every ``d_steps``-th step)."""
        return self.steps % self.cfg.d_steps == self.cfg.d_steps - 1

    @contextlib.contextmanager
    def unrolled(
        self, D: nn.Module, opt_d: torch.optim.Optimizer, d_update: Callable[[], Any]
    ) -> Iterator[None]:
        """Inside: D advanced ``unrolled`` extra steps (``d_update`` each); after: D restored.

        G's update made inside sees where D is going, not where it is (Metz et
        al. 2017, first-order: no gradient flows through the unrolled steps).
        """
        k = self.cfg.unrolled
        if not k:
            yield
            return
        saved_d = copy.deepcopy(D.state_dict())
        saved_opt = copy.deepcopy(opt_d.state_dict())
        self._unrolling = True
        try:
            for _ in range(k):
                d_update()
            yield
        finally:
            D.load_state_dict(saved_d)
            opt_d.load_state_dict(saved_opt)
            self._unrolling = False

    def tick(self) -> None:
        """Call once at the end of each ``step``: advances annealing and the D/G schedule."""
        self.steps += 1

    def state_dict(self) -> dict[str, Any]:
        """The step counter (the replay buffer is refilled after a resume)."""
        return {"stabiliser_steps": self.steps}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.steps = int(state.get("stabiliser_steps", state.get("steps", 0)))
