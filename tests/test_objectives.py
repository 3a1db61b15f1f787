"""Every loss of plugins/objectives: value and gradient on hand-computed logits.

real = [0, 2], fake = [1, -1]; softplus(0) = ln 2, softplus(±1) = 1.313262/0.313262,
softplus(±2) = 2.126928/0.126928, σ(1) = 0.731059, σ(2) = 0.880797.
"""

from __future__ import annotations

import pytest
import torch

from ganstudio import plugins
from ganstudio.core.specs import ConfigError

LN2 = 0.693147
SP = {1: 1.313262, -1: 0.313262, 2: 2.126928, -2: 0.126928}


@pytest.fixture(scope="module")
def make():
    reg = plugins.discover()

    def build(ident: str, **options: float):
        return reg.objective(ident).factory(**options)

    return build


def logits() -> tuple[torch.Tensor, torch.Tensor]:
    return (
        torch.tensor([0.0, 2.0], requires_grad=True),
        torch.tensor([1.0, -1.0], requires_grad=True),
    )


def d_value_and_grads(loss, **kw):
    real, fake = logits()
    value = loss.d_loss(real, fake)
    value.backward()
    return value.item(), real.grad.tolist(), fake.grad.tolist()


def g_value_and_grad(loss, *extra):
    _, fake = logits()
    value = loss.g_loss(fake, *extra)
    value.backward()
    return value.item(), fake.grad.tolist()


def test_every_objective_of_the_issue_is_registered_with_its_options(make) -> None:
    reg = plugins.discover()
    ids = set(reg.ids("objectives"))
    assert {"bce", "bce-saturating", "lsgan", "wgan", "wgan-gp", "hinge", "ragan"} <= ids
    assert [p.name for p in reg.objective("wgan").options] == ["clip"]
    assert [p.name for p in reg.objective("lsgan").options] == ["a", "b", "c"]


def test_bce_discriminator(make) -> None:
    value, g_real, g_fake = d_value_and_grads(make("bce"))
    assert value == pytest.approx((LN2 + SP[-2]) / 2 + (SP[1] + SP[-1]) / 2, abs=1e-5)
    # d/dr softplus(-r)/2 = -σ(-r)/2 ; d/df softplus(f)/2 = σ(f)/2
    assert g_real == pytest.approx([-0.25, -(1 - 0.880797) / 2], abs=1e-5)
    assert g_fake == pytest.approx([0.731059 / 2, (1 - 0.731059) / 2], abs=1e-5)


def test_non_saturating_and_saturating_generators(make) -> None:
    ns, ns_grad = g_value_and_grad(make("bce"))
    sat, sat_grad = g_value_and_grad(make("bce-saturating"))
    assert ns == pytest.approx((SP[-1] + SP[1]) / 2, abs=1e-5)
    assert ns_grad == pytest.approx([-(1 - 0.731059) / 2, -0.731059 / 2], abs=1e-5)
    assert sat == pytest.approx(-(SP[1] + SP[-1]) / 2, abs=1e-5)  # E log(1 - σ(f))
    assert sat_grad == pytest.approx([-0.731059 / 2, -(1 - 0.731059) / 2], abs=1e-5)
    # the seeds' point: on a fake D rejects (f = -1) the saturating gradient is the weak one
    assert abs(sat_grad[1]) < abs(ns_grad[1]) / 2


def test_least_squares(make) -> None:
    value, g_real, g_fake = d_value_and_grads(make("lsgan"))
    assert value == pytest.approx(1.0)  # 0.5·mean((r-1)²) + 0.5·mean(f²) = 0.5 + 0.5
    assert g_real == pytest.approx([-0.5, 0.5]) and g_fake == pytest.approx([0.5, -0.5])
    g, grad = g_value_and_grad(make("lsgan"))
    assert g == pytest.approx(1.0) and grad == pytest.approx([0.0, -1.0])
    value, *_ = d_value_and_grads(make("lsgan", a=-1.0, b=1.0, c=0.0))
    assert value == pytest.approx(0.5 * 1.0 + 0.5 * 2.0)  # fakes against a = -1: (4 + 0)/2


def test_wasserstein_and_weight_clipping(make) -> None:
    loss = make("wgan", clip=0.05)
    value, g_real, g_fake = d_value_and_grads(loss)
    assert value == pytest.approx(-1.0)
    assert g_real == pytest.approx([-0.5, -0.5]) and g_fake == pytest.approx([0.5, 0.5])
    assert g_value_and_grad(loss) == (pytest.approx(0.0), pytest.approx([-0.5, -0.5]))
    D = torch.nn.Linear(3, 1)
    torch.nn.init.constant_(D.weight, 2.0)
    loss.after_d_step(D)
    assert D.weight.abs().max().item() == pytest.approx(0.05)


def test_wgan_gp_penalty_is_zero_for_a_unit_gradient_critic(make) -> None:
    loss = make("wgan-gp")
    D = torch.nn.Linear(4, 1, bias=False)
    real, fake = torch.randn(5, 4), torch.randn(5, 4)
    with torch.no_grad():
        D.weight.copy_(torch.tensor([[0.6, 0.8, 0.0, 0.0]]))  # ‖∇D‖ = 1 everywhere
    assert loss.penalty(D, real, fake).item() == pytest.approx(0.0, abs=1e-6)
    with torch.no_grad():
        D.weight.mul_(2)  # ‖∇D‖ = 2: λ(2 - 1)² = 10
    penalty = loss.penalty(D, real, fake)
    assert penalty.item() == pytest.approx(10.0, rel=1e-5)
    penalty.backward()
    assert D.weight.grad.norm() > 0  # differentiable in D's weights


def test_hinge(make) -> None:
    value, g_real, g_fake = d_value_and_grads(make("hinge"))
    assert value == pytest.approx(1.5)  # mean(1, 0) + mean(2, 0)
    assert g_real == pytest.approx([-0.5, 0.0]) and g_fake == pytest.approx([0.5, 0.0])


def test_relativistic_average(make) -> None:
    loss = make("ragan")
    value, g_real, g_fake = d_value_and_grads(loss)
    # mean fake = 0, mean real = 1: softplus(-(r - 0)) and softplus(f - 1)
    assert value == pytest.approx((LN2 + SP[-2]) / 2 * 2, abs=1e-5)
    real = torch.tensor([0.0, 2.0])
    g, grad = g_value_and_grad(loss, real)
    assert g == pytest.approx((LN2 + SP[2]) / 2 * 2, abs=1e-5)
    cross = -(0.5 + 0.880797) / 4  # through mean(f) in softplus(r - mean f)
    assert grad == pytest.approx([-0.25 + cross, -0.880797 / 2 + cross], abs=1e-5)
    with pytest.raises(ValueError, match="real logits"):
        loss.g_loss(real)


def test_one_sided_label_smoothing_moves_only_the_real_target(make) -> None:
    real, fake = torch.tensor([2.0]), torch.tensor([1.0])
    smooth = make("bce").smoothed_d_loss(real, fake, 0.1)
    assert smooth.item() == pytest.approx(0.9 * SP[-2] + 0.1 * SP[2] + SP[1], abs=1e-5)
    ls = make("lsgan").smoothed_d_loss(real, fake, 0.1)
    assert ls.item() == pytest.approx(0.5 * (2 - 0.9) ** 2 + 0.5 * 1.0, abs=1e-6)


def test_label_smoothing_is_refused_for_objectives_without_targets(make) -> None:
    from ganstudio.core.specs import StabiliserConfig
    from ganstudio.stabilisers import Stabilisers

    cfg = StabiliserConfig(label_smoothing=0.1)
    with pytest.raises(ConfigError, match="label_smoothing"):
        Stabilisers(cfg, make("wgan"), None, {"label-smoothing"})
    Stabilisers(cfg, make("bce"), None, {"label-smoothing"})  # fine
