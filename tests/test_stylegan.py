"""StyleGAN2: the networks, training with the core Trainer, and the actions."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from ganstudio import plugins
from ganstudio.core import checkpoints
from ganstudio.core.actions import run_action
from ganstudio.core.models import load_model, model_meta
from ganstudio.core.specs import DataRequest, ParamError
from ganstudio.core.training import Trainer, TrainOptions

TINY = dict(z_dim=16, w_dim=16, mapping_layers=2, channel_base=128, channel_max=16)


@pytest.fixture(scope="module")
def registry():
    return plugins.get_registry()


def sg(sub: str):
    """A submodule of the discovered stylegan plugin (plugins load under a private package)."""
    pkg = plugins.get_registry().variant("stylegan2").config.__module__.rsplit(".", 1)[0]
    return importlib.import_module(f"{pkg}.{sub}")


def tiny_config(registry, resolution: int = 32, **more):
    return registry.variant("stylegan2").config(resolution=resolution, **{**TINY, **more})


def tiny_generator(registry, resolution: int = 32, seed: int = 0):
    torch.manual_seed(seed)
    G = sg("networks").build(tiny_config(registry, resolution))["G"].eval()
    with torch.no_grad():
        G.w_avg.copy_(G.mapping(torch.randn(512, G.z_dim)).mean(0))
        for m in G.modules():  # give the noise inputs some strength, as training would
            if hasattr(m, "noise_strength"):
                m.noise_strength.fill_(0.1)
    return G


@pytest.mark.parametrize("resolution", [32, 64])
def test_shapes_at_each_resolution(registry, resolution: int) -> None:
    models = sg("networks").build(tiny_config(registry, resolution))
    G, D = models["G"], models["D"]
    assert G.num_ws == 2 * int(np.log2(resolution)) - 2
    z = torch.randn(3, 16)
    w = G.mapping(z)
    assert w.shape == (3, 16)
    img = G.synthesis(w[:, None].repeat(1, G.num_ws, 1), noise_mode="none")
    assert img.shape == (3, 3, resolution, resolution)
    assert G(z).shape == img.shape
    assert D(img).shape == (3,)
    groups = G.layer_groups()
    assert sorted(sum(groups.values(), [])) == list(range(G.num_ws))
    assert all(groups[g] for g in ("coarse", "middle", "fine"))
    assert groups["coarse"][-1] < groups["middle"][0] < groups["fine"][0]


def test_bad_latent_shape_is_a_clear_error(registry) -> None:
    G = tiny_generator(registry)
    with pytest.raises(ValueError, match="expected ws of shape"):
        G.synthesis(torch.zeros(1, 3, 16))


def test_demodulation_keeps_unit_output_std(registry) -> None:
    ops = sg("ops")
    torch.manual_seed(0)
    x = torch.randn(8, 64, 16, 16)
    w = torch.randn(8, 16)
    std = {}
    for demod in (True, False):
        torch.manual_seed(1)
        conv = ops.ModulatedConv2d(64, 64, 3, 16, demodulate=demod)
        with torch.no_grad():
            conv.modulation.bias.fill_(3.0)  # styles ≈ 3: without demodulation the std grows
            std[demod] = conv(x, w).std().item()
    assert abs(std[True] - 1.0) < 0.15
    assert std[False] > 2.0


def test_style_mixing_is_local_to_the_chosen_layers(registry) -> None:
    actions = sg("actions")
    G = tiny_generator(registry)
    groups = G.layer_groups()
    torch.manual_seed(3)
    ws_a = G.mapping(torch.randn(8, 16))[:, None].repeat(1, G.num_ws, 1).detach()
    ws_b = G.mapping(torch.randn(8, 16))[:, None].repeat(1, G.num_ws, 1).detach()
    with torch.no_grad():
        base = G.synthesis(ws_a, noise_mode="const")
        same = G.synthesis(actions.mix(ws_a, ws_a.clone(), groups["coarse"]), noise_mode="const")
        coarse = G.synthesis(actions.mix(ws_a, ws_b, groups["coarse"]), noise_mode="const")
        fine = G.synthesis(actions.mix(ws_a, ws_b, groups["fine"]), noise_mode="const")
    assert torch.equal(same, base)  # mixing a face with itself changes nothing
    d_coarse = (coarse - base).abs().mean().item()
    d_fine = (fine - base).abs().mean().item()
    assert d_fine > 0 and d_coarse > 2 * d_fine


def test_truncation_zero_gives_the_average_face_for_every_seed(registry) -> None:
    G = tiny_generator(registry)
    with torch.no_grad():
        imgs = G(torch.randn(4, 16), truncation_psi=0.0, noise_mode="const")
        avg = G.synthesis(G.w_avg[None, None].repeat(1, G.num_ws, 1), noise_mode="const")
        free = G(torch.randn(4, 16), truncation_psi=1.0, noise_mode="const")
    assert torch.allclose(imgs, avg.expand_as(imgs), atol=1e-5)
    assert (free[0] - free[1]).abs().max() > 1e-3


# --------------------------------------------------------------------------- training


def _trainer(registry, out: Path, steps: int, resume: bool = False) -> Trainer:
    variant = registry.variant("stylegan2")
    config = tiny_config(registry, r1_every=2)
    data = registry.dataset("procedural").open("faces?count=24&seed=0", DataRequest(resolution=32))
    opts = TrainOptions(
        steps=steps,
        batch_size=4,
        device="cpu",
        amp=False,
        sample_every=0,
        checkpoint_every=0,
        log_every=1,
        num_workers=0,
        seed=0,
        sample_count=4,
    )
    return Trainer(
        variant,
        config,
        data,
        out,
        opts,
        None,
        variant_id="stylegan2",
        plugin="stylegan",
        data_spec="procedural:faces",
        resume=resume,
    )


def _rows(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]


def test_training_steps_are_finite_and_r1_runs_on_its_cadence(registry, tmp_path: Path) -> None:
    out = tmp_path / "run"
    summary = _trainer(registry, out, 3).run_to_end()
    assert summary.steps == 3
    rows = _rows(out)
    assert all(np.isfinite(r[k]) for r in rows for k in ("loss_d", "loss_g"))
    assert ["r1" in r for r in rows] == [True, False, True]  # every r1_every=2 steps
    tensors, meta = checkpoints.load_model_file(summary.checkpoint)
    assert meta["variant"] == "stylegan2"
    assert tensors["G_ema.w_avg"].abs().sum() > 0  # the running mean of w reached the EMA copy


def test_resume_continues_exactly(registry, tmp_path: Path) -> None:
    straight = _trainer(registry, tmp_path / "a", 4).run_to_end()
    _trainer(registry, tmp_path / "b", 2).run_to_end()
    resumed = _trainer(registry, tmp_path / "b", 4, resume=True).run_to_end()
    a, _ = checkpoints.load_model_file(straight.checkpoint)
    b, _ = checkpoints.load_model_file(resumed.checkpoint)
    for key in ("G.synthesis.const", "D.final_linear.1.weight", "G_ema.w_avg"):
        assert torch.allclose(a[key], b[key], atol=1e-5), key


# --------------------------------------------------------------------------- actions


@pytest.fixture(scope="module")
def model(registry, tmp_path_factory):
    G = tiny_generator(registry)
    path = tmp_path_factory.mktemp("sg") / "tiny.safetensors"
    config = tiny_config(registry)
    checkpoints.save_model(
        path,
        {f"G_ema.{k}": v for k, v in G.state_dict().items()},
        model_meta("stylegan2", "stylegan", config),
    )
    return load_model(path, registry)


def _action(registry, model, action_id: str):
    return registry.action_for(action_id, model.capabilities, model.variant_id)


def test_generate_records_w_plus_latents_and_truncates(registry, model) -> None:
    action = _action(registry, model, "generate")
    assert action.variants == frozenset({"stylegan2"})
    out = run_action(action, model, {"seed": 5, "count": 3})
    assert len(out.images) == 3 and out.images[0].size == (32, 32)
    assert out.result.latents["ws"].shape == (3, model.generator.num_ws, 16)
    again = run_action(action, model, {"seed": 6, "count": 1})
    assert np.array_equal(np.asarray(again.images[0]), np.asarray(out.images[1]))
    flat = run_action(action, model, {"seed": 5, "count": 3, "truncation": 0.0})
    assert np.array_equal(np.asarray(flat.images[0]), np.asarray(flat.images[2]))


@pytest.mark.parametrize("mode", ["lerp-w", "slerp-z"])
def test_interpolate_runs_from_seed_a_to_seed_b(registry, model, mode: str) -> None:
    gen = run_action(_action(registry, model, "generate"), model, {"seed": 1, "count": 1})
    out = run_action(
        _action(registry, model, "interpolate"),
        model,
        {"seed_a": 1, "seed_b": 2, "frames": 4, "mode": mode},
    )
    assert out.layout == "strip" and len(out.images) == 4
    assert np.abs(np.asarray(out.images[0], float) - np.asarray(gen.images[0], float)).max() <= 1
    assert out.result.latents["ws"].shape[0] == 4


def test_style_mix_from_layers_matches_mix_from_seeds(registry, model) -> None:
    gen = run_action(_action(registry, model, "generate"), model, {"seed": 10, "count": 2})
    ws = gen.result.latents["ws"]
    action = _action(registry, model, "style-mix")
    by_seed = run_action(action, model, {"seed_a": 10, "seed_b": 11, "styles": "middle"})
    layers = {"layer-a": {"ws": ws[0]}, "layer-b": {"ws": ws[1:]}}  # what the GUI resolves
    by_layer = run_action(
        action,
        model,
        {
            "source_a": "layer-a",
            "source_b": "layer-b",
            "styles": "middle",
            "seed_a": 99,
            "seed_b": 98,
        },
        resolve_layer=layers.__getitem__,
    )
    assert np.array_equal(np.asarray(by_seed.images[0]), np.asarray(by_layer.images[0]))
    groups = model.generator.layer_groups()
    mixed = by_seed.result.latents["ws"][0]
    assert np.allclose(mixed[groups["middle"]], ws[1][groups["middle"]])
    assert np.allclose(mixed[groups["coarse"]], ws[0][groups["coarse"]])
    explicit = run_action(
        action,
        model,
        {
            "seed_a": 10,
            "seed_b": 11,
            "styles": "range",
            "layer_from": groups["middle"][0],
            "layer_to": groups["middle"][-1],
        },
    )
    assert np.array_equal(np.asarray(explicit.images[0]), np.asarray(by_seed.images[0]))
    with pytest.raises(ParamError, match="outside"):
        run_action(action, model, {"styles": "range", "layer_from": 12, "layer_to": 15})


def test_style_mix_reads_a_saved_latent_file(registry, model, tmp_path: Path) -> None:
    gen = run_action(_action(registry, model, "generate"), model, {"seed": 3, "count": 1})
    path = tmp_path / "face.npy"
    np.save(path, gen.result.latents["ws"])
    action = _action(registry, model, "style-mix")
    a = run_action(action, model, {"source_a": str(path), "seed_b": 4, "styles": "fine"})
    b = run_action(action, model, {"seed_a": 3, "seed_b": 4, "styles": "fine"})
    assert np.array_equal(np.asarray(a.images[0]), np.asarray(b.images[0]))
    with pytest.raises(ParamError, match="npy"):
        run_action(action, model, {"source_a": str(tmp_path / "face.png")})


def test_style_mix_grid_is_the_papers_figure(registry, model) -> None:
    out = run_action(
        _action(registry, model, "style-mix"),
        model,
        {"grid": True, "rows": "1,2", "columns": "3,4,5", "styles": "coarse"},
    )
    assert len(out.images) == 1
    pad = 2
    assert out.images[0].size == (4 * (32 + pad) + pad, 3 * (32 + pad) + pad)
    assert out.result.latents["ws"].shape[0] == 6
    assert out.provenance["info"]["rows"] == [1, 2]


DEMO = Path(__file__).resolve().parents[1] / "resources/models/stylegan-faces-32.safetensors"


@pytest.mark.skipif(not DEMO.exists(), reason="demo model not trained yet")
def test_demo_model_generates_distinct_faces(registry) -> None:
    demo = load_model(DEMO, registry)
    assert demo.variant_id.split(":")[-1] == "stylegan2"
    out = run_action(_action(registry, demo, "generate"), demo, {"seed": 0, "count": 4})
    arrays = [np.asarray(im, float) for im in out.images]
    assert all(a.shape == (32, 32, 3) for a in arrays)
    assert min(np.abs(arrays[0] - a).mean() for a in arrays[1:]) > 2.0  # no mode collapse
