"""The loss math.  D outputs raw scores (logits); every class works on them.

Besides ``d_loss``, ``g_loss`` and ``penalty`` (the contract's ObjectiveLoss), a
class may offer the optional members of ``ObjectiveExtras``: ``smoothed_d_loss``
(one-sided label smoothing), ``relativistic`` and ``after_d_step``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class Objective:
    """Base: no regulariser; subclasses define the two losses."""

    def d_loss(self, real: Tensor, fake: Tensor) -> Tensor:
        raise NotImplementedError

    def g_loss(self, fake: Tensor) -> Tensor:
        raise NotImplementedError

    def penalty(self, D: nn.Module, real: Tensor, fake: Tensor) -> Tensor:
        return real.new_zeros(())


class NonSaturating(Objective):
    """Goodfellow et al. 2014, with G maximising log D(G(z)) (strong gradients early)."""

    def d_loss(self, real: Tensor, fake: Tensor) -> Tensor:
        return F.softplus(-real).mean() + F.softplus(fake).mean()

    def smoothed_d_loss(self, real: Tensor, fake: Tensor, smoothing: float) -> Tensor:
        """BCE with real targets 1 − s (fakes keep target 0)."""
        t = 1.0 - smoothing
        real_term = t * F.softplus(-real) + (1 - t) * F.softplus(real)
        return real_term.mean() + F.softplus(fake).mean()

    def g_loss(self, fake: Tensor) -> Tensor:
        return F.softplus(-fake).mean()


class Saturating(NonSaturating):
    """The minimax game as written: G minimises log(1 − D(G(z))), which saturates
    (vanishing gradients) while D rejects G's samples confidently."""

    def g_loss(self, fake: Tensor) -> Tensor:
        return -F.softplus(fake).mean()  # = E log(1 − σ(fake))


class LeastSquares(Objective):
    def __init__(self, a: float = 0.0, b: float = 1.0, c: float = 1.0) -> None:
        self.a, self.b, self.c = a, b, c

    def d_loss(self, real: Tensor, fake: Tensor) -> Tensor:
        return 0.5 * ((real - self.b) ** 2).mean() + 0.5 * ((fake - self.a) ** 2).mean()

    def smoothed_d_loss(self, real: Tensor, fake: Tensor, smoothing: float) -> Tensor:
        """Real target moved from b toward a by the share s."""
        b = self.b - smoothing * (self.b - self.a)
        return 0.5 * ((real - b) ** 2).mean() + 0.5 * ((fake - self.a) ** 2).mean()

    def g_loss(self, fake: Tensor) -> Tensor:
        return 0.5 * ((fake - self.c) ** 2).mean()


class Wasserstein(Objective):
    """Arjovsky et al. 2017: critic scores, Lipschitz by clipping D's weights to [−c, c]."""

    def __init__(self, clip: float = 0.01) -> None:
        self.clip = clip

    def d_loss(self, real: Tensor, fake: Tensor) -> Tensor:
        return fake.mean() - real.mean()

    def g_loss(self, fake: Tensor) -> Tensor:
        return -fake.mean()

    @torch.no_grad()
    def after_d_step(self, D: nn.Module) -> None:
        for p in D.parameters():
            p.clamp_(-self.clip, self.clip)


class WassersteinGP(Objective):
    def __init__(self, gp_weight: float = 10.0) -> None:
        self.gp_weight = gp_weight

    def d_loss(self, real: Tensor, fake: Tensor) -> Tensor:
        return fake.mean() - real.mean()

    def g_loss(self, fake: Tensor) -> Tensor:
        return -fake.mean()

    def penalty(self, D: nn.Module, real: Tensor, fake: Tensor) -> Tensor:
        alpha = torch.rand(real.size(0), *([1] * (real.dim() - 1)), device=real.device)
        mixed = (alpha * real.detach() + (1 - alpha) * fake.detach()).requires_grad_(True)
        scores = D(mixed)
        (grad,) = torch.autograd.grad(scores.sum(), mixed, create_graph=True)
        norm = grad.flatten(1).norm(2, dim=1)
        return self.gp_weight * ((norm - 1) ** 2).mean()


class Hinge(Objective):
    def d_loss(self, real: Tensor, fake: Tensor) -> Tensor:
        return F.relu(1 - real).mean() + F.relu(1 + fake).mean()

    def g_loss(self, fake: Tensor) -> Tensor:
        return -fake.mean()


class RelativisticAverage(Objective):
    """RaGAN (Jolicoeur-Martineau 2018): D says how much more real a real sample is
    than the average fake, and the reverse; G's loss reads the real logits too."""

    relativistic = True

    def d_loss(self, real: Tensor, fake: Tensor) -> Tensor:
        return F.softplus(-(real - fake.mean())).mean() + F.softplus(fake - real.mean()).mean()

    def g_loss(self, fake: Tensor, real: Tensor | None = None) -> Tensor:
        if real is None:
            raise ValueError("the relativistic objective needs D's real logits in G's loss")
        real = real.detach()
        return F.softplus(-(fake - real.mean())).mean() + F.softplus(real - fake.mean()).mean()
