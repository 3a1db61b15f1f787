"""The shared stabilisers (ganstudio.stabilisers): each switchable with --set on the DCGAN
family, each doing what the seeds say it does, and refused where a variant lacks it."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

from ganstudio import plugins
from ganstudio.cli import main
from ganstudio.core.specs import (
    STABILISERS,
    ConfigError,
    StabiliserConfig,
    Variant,
    apply_overrides,
    spec_problems,
)
from ganstudio.stabilisers import (
    MinibatchDiscrimination,
    MinibatchStdDev,
    Stabilisers,
    pack,
)

TINY = ["--set", "resolution=32", "--set", "width=8", "--set", "z_dim=16"]
COMMON = ["--batch-size", "4", "--workers", "0", "--no-progress", "--device", "cpu"]

#: one --set that switches each stabiliser on
SWITCH = {
    "spectral-norm": ["spectral_norm=true"],
    "r1": ["r1=1"],
    "r2": ["r2=1"],
    "grad-clip": ["grad_clip=0.5"],
    "instance-noise": ["instance_noise=0.2", "noise_anneal=10"],
    "replay": ["replay=0.5", "replay_size=8"],
    "minibatch-discrimination": ["minibatch_disc=4"],
    "minibatch-std": ["minibatch_std=true"],
    "pack": ["pack=2"],
    "unrolled": ["unrolled=2"],
    "ttur": ["lr_d=0.0004"],
    "d-steps": ["d_steps=2"],
    "label-smoothing": ["label_smoothing=0.1"],
}


def test_every_stabiliser_has_a_switch_here() -> None:
    assert set(SWITCH) == set(STABILISERS)


@pytest.mark.parametrize("name", sorted(SWITCH))
def test_each_stabiliser_trains_dcgan_through_set(name: str, tmp_path: Path, capsys) -> None:
    sets = [a for kv in SWITCH[name] for a in ("--set", kv)]
    args = ["train", "dcgan", "--data", "procedural:faces?count=8", "--steps", "2"]
    code = main([*args, "--out", str(tmp_path / "run"), *COMMON, *TINY, *sets])
    assert code == 0, capsys.readouterr().err
    assert (tmp_path / "run" / "checkpoints" / "latest.safetensors").is_file()


def test_a_stabiliser_the_variant_lacks_is_refused_in_one_line(tmp_path: Path, capsys) -> None:
    args = ["train", "cgan", "--data", "procedural:faces?count=8", "--steps", "1"]
    code = main([*args, "--out", str(tmp_path / "r"), *COMMON, *TINY, "--set", "pack=2"])
    err = capsys.readouterr().err
    assert code == 2 and "does not support pack" in err and "Traceback" not in err


def test_out_of_range_values_are_config_errors() -> None:
    dcgan = plugins.discover().variant("dcgan")
    for bad in ({"pack": "0"}, {"replay": "1"}, {"r1": "-1"}, {"label_smoothing": "0.7"}):
        with pytest.raises(ConfigError):
            apply_overrides(dcgan.config(), bad)


def test_variants_declare_what_they_support() -> None:
    reg = plugins.discover()
    assert reg.variant("dcgan").stabilisers == frozenset(STABILISERS)
    assert reg.variant("gan").stabilisers == frozenset(STABILISERS)
    for ident in ("cgan", "infogan"):
        assert "pack" not in reg.variant(ident).stabilisers
        assert "spectral-norm" in reg.variant(ident).stabilisers


def test_a_variant_declaring_an_unknown_or_unbacked_stabiliser_is_refused() -> None:
    @dataclasses.dataclass
    class Plain:
        resolution: int = 32

    def build(cfg):
        return {}

    wrong = Variant("x", "X", Plain, build, stabilisers=frozenset({"spectral-norm"}))
    assert any("StabiliserConfig" in p for p in spec_problems(wrong))
    typo = Variant("y", "Y", StabiliserConfig, build, stabilisers=frozenset({"spectral-nrom"}))
    assert any("'spectral-nrom'" in p for p in spec_problems(typo))


def test_spectral_norm_makes_each_largest_singular_value_one() -> None:
    dcgan = plugins.discover().variant("dcgan")
    cfg = apply_overrides(dcgan.config(), {"resolution": "32", "width": "8", "spectral_norm": "1"})
    D = dcgan.build(cfg)["D"].train()
    for _ in range(30):  # one power iteration per forward
        D(torch.randn(4, 3, 32, 32))
    weights = [m.weight for m in D.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    assert len(weights) == 4
    for w in weights:
        sigma = torch.linalg.matrix_norm(w.detach().flatten(1), ord=2).item()
        assert sigma == pytest.approx(1.0, abs=0.02)


def test_minibatch_features_see_a_collapsed_batch() -> None:
    same = torch.ones(5, 3, 4, 4)
    assert MinibatchStdDev()(same)[:, 3].abs().max() == 0
    varied = torch.randn(5, 3, 4, 4)
    assert MinibatchStdDev()(varied)[:, 3].min() > 0
    mbd = MinibatchDiscrimination(3 * 16, kernels=2)
    out = mbd(same)  # (5, 3 + 2, 4, 4): every sample sees 4 identical neighbours
    assert out.shape == (5, 5, 4, 4) and out[:, 3:].allclose(torch.full((5, 2, 4, 4), 4.0))
    assert mbd(varied * 10)[:, 3:].max() < 1  # far-apart samples: almost no closeness


def test_pack_joins_consecutive_samples_and_drops_the_remainder() -> None:
    x = torch.arange(5.0).view(5, 1, 1, 1).expand(5, 2, 1, 1)
    packed = pack(x, 2)  # (2, 4, 1, 1)
    assert packed.shape == (2, 4, 1, 1) and packed[1].flatten().tolist() == [2, 2, 3, 3]


def ctx():
    class P:
        def autocast(self):
            import contextlib

            return contextlib.nullcontext()

        def backward(self, loss, **kw):
            loss.backward(**kw)

        def step(self, opt):
            opt.step()

    return SimpleNamespace(precision=P(), device=torch.device("cpu"), label_names=())


def test_instance_noise_anneals_to_zero() -> None:
    s = Stabilisers(StabiliserConfig(instance_noise=0.4, noise_anneal=10), None, ctx(), STABILISERS)
    real, fake = torch.zeros(64, 2), torch.zeros(64, 2)
    r, _ = s.d_inputs(real, fake)
    assert r.std().item() == pytest.approx(0.4, rel=0.2)
    for _ in range(5):
        s.tick()
    assert s.noise_std == pytest.approx(0.2)
    for _ in range(5):
        s.tick()
    r, f = s.d_inputs(real, fake)
    assert s.noise_std == 0 and r.abs().max() == 0 and f.abs().max() == 0


def test_replay_shows_d_fakes_of_earlier_steps() -> None:
    s = Stabilisers(StabiliserConfig(replay=0.5, replay_size=8), None, ctx(), STABILISERS)
    _, first = s.d_inputs(torch.zeros(4, 1), torch.full((4, 1), 7.0))
    assert (first == 7).all()  # nothing to replay yet
    s.tick()
    _, second = s.d_inputs(torch.zeros(4, 1), torch.full((4, 1), -1.0))
    assert (second[:2] == 7).all() and (second[2:] == -1).all()


def _routine(overrides: dict[str, str]):
    reg = plugins.discover()
    dcgan = reg.variant("dcgan")
    tiny = {"resolution": "32", "width": "8", "z_dim": "16"}
    cfg = apply_overrides(dcgan.config(), {**tiny, **overrides})
    torch.manual_seed(0)
    models = dcgan.build(cfg)
    return dcgan.routine(models, cfg, reg.objective(cfg.objective).factory(), ctx()), models


def _params(module: torch.nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in module.parameters()]


def test_k_d_steps_update_g_every_kth_step() -> None:
    routine, models = _routine({"d_steps": "3"})
    g0 = _params(models["G"])
    batch = {"image": torch.rand(4, 3, 32, 32) * 2 - 1}
    for _ in range(2):
        assert "loss_g" not in routine.step(batch)
    assert all(torch.equal(a, b) for a, b in zip(g0, _params(models["G"]), strict=True))
    assert "loss_g" in routine.step(batch)
    assert not all(torch.equal(a, b) for a, b in zip(g0, _params(models["G"]), strict=True))


def test_unrolled_steps_move_g_but_leave_no_trace_in_d() -> None:
    batch = {"image": torch.rand(4, 3, 32, 32) * 2 - 1}
    plain, plain_models = _routine({})
    unrolled, unrolled_models = _routine({"unrolled": "3"})
    torch.manual_seed(1)
    plain.step(batch)
    torch.manual_seed(1)
    unrolled.step(batch)
    d_plain, d_unrolled = _params(plain_models["D"]), _params(unrolled_models["D"])
    assert all(torch.equal(a, b) for a, b in zip(d_plain, d_unrolled, strict=True))
    g_plain, g_unrolled = _params(plain_models["G"]), _params(unrolled_models["G"])
    assert not all(torch.equal(a, b) for a, b in zip(g_plain, g_unrolled, strict=True))


def test_two_time_scales_give_d_its_own_learning_rate() -> None:
    routine, _ = _routine({"lr": "0.0001", "lr_d": "0.0004"})
    assert routine.opt_g.param_groups[0]["lr"] == 0.0001
    assert routine.opt_d.param_groups[0]["lr"] == 0.0004
