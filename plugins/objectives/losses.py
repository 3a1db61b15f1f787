"""The loss math.  D outputs raw scores (logits); every class works on them."""

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
    def d_loss(self, real: Tensor, fake: Tensor) -> Tensor:
        return F.softplus(-real).mean() + F.softplus(fake).mean()

    def g_loss(self, fake: Tensor) -> Tensor:
        return F.softplus(-fake).mean()


class LeastSquares(Objective):
    def __init__(self, a: float = 0.0, b: float = 1.0, c: float = 1.0) -> None:
        self.a, self.b, self.c = a, b, c

    def d_loss(self, real: Tensor, fake: Tensor) -> Tensor:
        return 0.5 * ((real - self.b) ** 2).mean() + 0.5 * ((fake - self.a) ** 2).mean()

    def g_loss(self, fake: Tensor) -> Tensor:
        return 0.5 * ((fake - self.c) ** 2).mean()


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
