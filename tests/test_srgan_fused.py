"""RRDBNet's fused CPU inference path gives the plain modules' output, and falls back."""

from __future__ import annotations

import sys

import pytest
import torch


@pytest.fixture
def fused_and_net(registry, monkeypatch):
    pkg = sys.modules[registry.variant("esrgan").config.__module__].__package__
    __import__(f"{pkg}.models")
    fused, models = sys.modules[f"{pkg}.fused"], sys.modules[f"{pkg}.models"]
    monkeypatch.setattr(fused, "_usable", None)  # whatever an earlier test left
    torch.manual_seed(0)
    net = models.build_esrgan(
        registry.variant("esrgan").config(scale=4, num_feat=16, num_block=2, num_grow_ch=8)
    )["G"].eval()
    with torch.no_grad():  # weights of a trained size, not the 0.1-scaled init
        for p in net.parameters():
            p.normal_(0, 0.05)
    return fused, net


def _calls(fused, monkeypatch) -> list[str]:
    """Count the fused oneDNN calls that actually run."""
    op = fused._pointwise()
    if op is None:
        pytest.skip("this torch build has no oneDNN pointwise convolution")
    seen: list[str] = []

    class Spy:
        def __call__(self, *args):
            seen.append("lrelu")
            return op(*args)

        def binary(self, *args):
            seen.append("add")
            return op.binary(*args)

    monkeypatch.setattr(fused, "_op", Spy())
    return seen


def test_fused_inference_equals_the_plain_modules(fused_and_net, monkeypatch) -> None:
    fused, net = fused_and_net
    x = torch.rand(1, 3, 20, 28)
    seen = _calls(fused, monkeypatch)
    with torch.no_grad():
        plain = net(x)  # NCHW: the plain modules
    assert seen == []
    net = net.to(memory_format=torch.channels_last)
    with torch.inference_mode():
        fast = net(x.contiguous(memory_format=torch.channels_last))
    # per RDB four conv+lrelu and one conv+residual; the tail: one add, three lrelu
    assert seen.count("lrelu") == 2 * 3 * 4 + 3 and seen.count("add") == 2 * 3 + 1
    assert torch.allclose(fast, plain, atol=1e-5), (fast - plain).abs().max()


def test_training_uses_the_plain_modules_and_gets_gradients(fused_and_net, monkeypatch) -> None:
    fused, net = fused_and_net
    seen = _calls(fused, monkeypatch)
    net = net.train().to(memory_format=torch.channels_last)
    out = net(torch.rand(1, 3, 12, 12).contiguous(memory_format=torch.channels_last))
    out.mean().backward()
    assert seen == [] and net.conv_first.weight.grad is not None


def test_an_op_that_refuses_falls_back_for_good(fused_and_net, monkeypatch) -> None:
    fused, net = fused_and_net
    x = torch.rand(1, 3, 16, 16)
    with torch.no_grad():
        plain = net(x)

    class Refuses:
        def __call__(self, *args):
            raise RuntimeError("unsupported by this oneDNN")

        binary = __call__

    monkeypatch.setattr(fused, "_op", Refuses())
    monkeypatch.setattr(fused, "_usable", True)
    net = net.to(memory_format=torch.channels_last)
    with torch.inference_mode():
        fast = net(x.contiguous(memory_format=torch.channels_last))
    assert fused._usable is False
    assert torch.allclose(fast, plain, atol=1e-5)
