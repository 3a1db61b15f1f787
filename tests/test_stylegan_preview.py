"""Quick slider previews of large StyleGAN2 models: the skip generator's RGB at a smaller
size, block-by-block rendering that a job can cancel, and the inference fast path."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
import torch

from ganstudio import plugins
from ganstudio.core import checkpoints
from ganstudio.core.actions import iterate_action, run_action
from ganstudio.core.jobs import Cancelled, drive
from ganstudio.core.models import load_model, model_meta

TINY = dict(z_dim=16, w_dim=16, mapping_layers=2, channel_base=256, channel_max=16)


@pytest.fixture(scope="module")
def registry():
    return plugins.get_registry()


def sg(sub: str):
    pkg = plugins.get_registry().variant("stylegan2").config.__module__.rsplit(".", 1)[0]
    return importlib.import_module(f"{pkg}.{sub}")


def tiny_generator(registry, resolution: int = 64):
    torch.manual_seed(0)
    config = registry.variant("stylegan2").config(resolution=resolution, **TINY)
    G = sg("networks").build(config)["G"].eval()
    with torch.no_grad():
        for m in G.modules():
            if hasattr(m, "noise_strength"):
                m.noise_strength.fill_(0.1)
    return G, config


@pytest.fixture(scope="module")
def model(registry, tmp_path_factory):
    """A 64 px model with one attribute direction."""
    G, config = tiny_generator(registry)
    path = tmp_path_factory.mktemp("sg") / "tiny64.safetensors"
    tensors = {f"G_ema.{k}": v for k, v in G.state_dict().items()}
    tensors["directions.smile"] = torch.randn(16, generator=torch.Generator().manual_seed(1))
    checkpoints.save_model(path, tensors, model_meta("stylegan2", "stylegan", config))
    return load_model(path, registry)


def test_stopping_early_returns_the_skip_image_of_that_size(registry) -> None:
    G, _ = tiny_generator(registry)
    ws = G.mapping(torch.randn(2, 16)).unsqueeze(1).repeat(1, G.num_ws, 1)
    with torch.no_grad():
        steps = list(G.synthesis.progressive(ws, "const"))
        full = G.synthesis(ws, "const")
        quick = G.synthesis(ws, "const", max_resolution=16)
    assert [res for res, _ in steps] == [4, 8, 16, 32, 64]
    assert quick.shape == (2, 3, 16, 16) and torch.equal(quick, steps[2][1])
    assert torch.equal(full, steps[-1][1])


def test_the_inference_fast_path_computes_what_training_does(registry) -> None:
    G, _ = tiny_generator(registry)
    for batch in (1, 3):  # fused modulation for one image, activation scaling for a batch
        ws = G.mapping(torch.randn(batch, 16)).unsqueeze(1).repeat(1, G.num_ws, 1).detach()
        with torch.enable_grad():
            slow = G.synthesis(ws, "const").detach()
        with torch.no_grad():
            fast = G.synthesis(ws, "const")
        torch.testing.assert_close(fast, slow, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize(
    "action_id, params",
    [
        ("generate", {"seed": 3}),
        ("attributes", {"seed": 3, "smile": 2.0}),
        ("style-mix", {"seed_a": 1, "seed_b": 2}),
    ],
)
def test_slider_actions_honour_a_preview_request(registry, model, action_id, params) -> None:
    action = registry.action_for(action_id, model.capabilities, model.variant_id)
    assert action.interactive
    quick = run_action(action, model, params, {"preview_resolution": 16})
    final = run_action(action, model, params, {})
    assert quick.images[0].size == (16, 16) and final.images[0].size == (64, 64)
    assert quick.result.info["preview_scale"] == 4.0
    # the same latent: applying after a preview gives the image the preview announced
    assert (quick.result.latents["ws"] == final.result.latents["ws"]).all()


def test_a_request_at_or_above_the_models_size_renders_in_full(registry, model) -> None:
    action = registry.action_for("generate", model.capabilities, model.variant_id)
    out = run_action(action, model, {"seed": 1}, {"preview_resolution": 64})
    assert out.images[0].size == (64, 64) and "preview_scale" not in out.result.info


def test_a_full_render_can_be_cancelled_between_blocks(registry, model) -> None:
    action = registry.action_for("attributes", model.capabilities, model.variant_id)
    seen: list[object] = []
    with pytest.raises(Cancelled):
        drive(
            iterate_action(action, model, {"seed": 0, "smile": 1.0}),
            seen.append,
            should_stop=lambda: len(seen) >= 2,
        )
    assert len(seen) == 2  # stopped after the 8 px block, long before 64 px


def test_bench_reference_forward_matches_our_generator(registry) -> None:
    """scripts/bench_stylegan.py times an independent reference; it must compute the same."""
    spec = importlib.util.spec_from_file_location(
        "bench_stylegan", Path(__file__).resolve().parents[1] / "scripts" / "bench_stylegan.py"
    )
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    G, _ = tiny_generator(registry)
    with torch.no_grad():
        G.w_avg.normal_()
        for name, t in G.named_parameters():
            if name.endswith("bias"):
                t.add_(0.1 * torch.randn_like(t))
        z = torch.randn(2, 16)
        ours = G(z, truncation_psi=0.7, noise_mode="const")
        ref = bench.reference_forward(G.state_dict(), z, G.num_ws, 2, 0.7)
    torch.testing.assert_close(ref, ours, rtol=1e-4, atol=1e-4)
