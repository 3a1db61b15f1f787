"""ProGAN: the growth schedule, fade-in, resume in the middle of a fade-in, actions, panel."""

from __future__ import annotations

import pytest
import torch

from ganstudio.core import checkpoints
from ganstudio.core.specs import apply_overrides

TINY = {
    "resolution": 16,
    "z_dim": 8,
    "width": 16,
    "min_width": 8,
    "fade_images": 4,
    "stable_images": 4,
}


def _cfg(registry, **changes):
    return apply_overrides(registry.variant("progan").config(), {**TINY, **changes})


def test_schedule_fades_each_resolution_in(registry) -> None:
    cfg = _cfg(registry)  # 4 → 8 → 16 px; 4 images stable, 4 fading
    phases = [cfg.phase(i) for i in (0, 3, 4, 5, 6, 8, 12, 13, 16, 1000)]
    assert phases == [
        (0, 1.0), (0, 1.0),  # 4 px, stable
        (1, 0.0), (1, 0.25), (1, 0.5),  # 8 px fading in
        (1, 1.0),  # 8 px stable
        (2, 0.0), (2, 0.25),  # 16 px fading in
        (2, 1.0), (2, 1.0),  # the last resolution stays
    ]  # fmt: skip
    assert [cfg.level_resolution(k) for k in range(cfg.levels + 1)] == [4, 8, 16]


def test_generator_and_discriminator_grow(registry) -> None:
    cfg = _cfg(registry)
    models = registry.variant("progan").build(cfg)
    G, D = models["G"].eval(), models["D"]
    z = torch.randn(4, cfg.z_dim)
    with torch.no_grad():
        sizes = [G(z, level=k, alpha=1.0).shape for k in range(3)]
        assert sizes == [(4, 3, 4, 4), (4, 3, 8, 8), (4, 3, 16, 16)]
        # α = 0: the new resolution shows only the upsampled coarser image
        coarse = G(z, level=0, alpha=1.0)
        faded = G(z, level=1, alpha=0.0)
        torch.testing.assert_close(faded, coarse.repeat_interleave(2, 2).repeat_interleave(2, 3))
        half = G(z, level=1, alpha=0.5)
        full = G(z, level=1, alpha=1.0)
        torch.testing.assert_close(half, (faded + full) / 2)
        assert D(full, level=1, alpha=0.5).shape == (4,)
    # every parameter gets a gradient (zeros for layers not grown yet): what DDP needs
    G.train()
    G(z, level=1, alpha=0.5).sum().backward()
    assert all(p.grad is not None for p in G.parameters())
    assert G.to_rgb[2].weight.grad.abs().sum() == 0
    assert G.blocks[1][1].weight.grad.abs().sum() > 0


def test_routine_reports_resolution_and_alpha(registry) -> None:
    from types import SimpleNamespace

    cfg = _cfg(registry)
    variant = registry.variant("progan")
    models = variant.build(cfg)

    class Plain:
        def autocast(self):
            return torch.autocast("cpu", enabled=False)

        def backward(self, loss):
            loss.backward()

        def step(self, opt):
            opt.step()

    ctx = SimpleNamespace(precision=Plain(), world_size=1, rank=0, device=torch.device("cpu"))
    routine = variant.routine(models, cfg, registry.objective("wgan-gp").factory(), ctx)
    batch = {"image": torch.rand(2, 3, 16, 16) * 2 - 1}
    seen = [routine.status()]
    for _ in range(5):
        routine.step(batch)
        seen.append(routine.status())
    assert [s["resolution"] for s in seen] == [4, 4, 8, 8, 8, 8]
    assert [s["fade-in α"] for s in seen] == [1.0, 1.0, 0.0, 0.5, 1.0, 1.0]
    assert routine.samples(3, seed=1).shape == (3, 3, 16, 16)  # previews at full size


def test_resume_in_the_middle_of_a_fade_in(train_steps) -> None:
    """3 steps (stopped at α = 0.5 of the 8 px fade-in) + 3 resumed = 6 uninterrupted."""
    resumed = train_steps("progan", steps=3, overrides=TINY, resume_steps=3)
    straight = train_steps("progan", steps=6, overrides=TINY)
    a, meta_a = checkpoints.load_model_file(resumed / "checkpoints" / "latest.safetensors")
    b, _ = checkpoints.load_model_file(straight / "checkpoints" / "latest.safetensors")
    assert meta_a["step"] == 6 and a.keys() == b.keys()
    for key in a:
        torch.testing.assert_close(a[key], b[key], msg=key)
    assert int(a["G_ema.level"]) == 2 and float(a["G_ema.alpha"]) == 0.0  # 16 px starts fading


def test_state_carries_phase_mid_fade(train_steps) -> None:
    run = train_steps("progan", steps=3, overrides=TINY)
    state = torch.load(run / "state.pt", weights_only=True)
    assert (state["routine"]["level"], state["routine"]["alpha"]) == (1, 0.5)
    assert state["routine"]["images"] == 6


def test_actions_on_a_checkpoint(train_steps, run_action) -> None:
    run = train_steps("progan", steps=3, overrides=TINY)
    model = run / "checkpoints" / "latest.safetensors"
    out = run_action("generate", model, {"seed": 2, "count": 2})
    assert len(out.images) == 2 and out.images[0].size == (16, 16)
    assert out.provenance["info"]["resolution"] == 8  # drawn at 8 px, shown at 16
    growth = run_action("show-growth", model, {"seed": 2})
    assert len(growth.images) == 2 and growth.layout == "strip"
    assert growth.provenance["info"]["resolutions"] == [4, 8]


@pytest.mark.parametrize("field,value", [("resolution", 24), ("start_resolution", 64)])
def test_bad_config_is_refused(registry, field, value) -> None:
    from ganstudio.core.specs import ConfigError

    with pytest.raises(ConfigError):
        _cfg(registry, **{field: value})


def test_panel_lists_the_actions(action_panel) -> None:
    panel = action_panel("show-growth", model="progan")
    assert panel.combo.currentData() == "show-growth"


def test_mixed_precision_step(registry) -> None:
    """Under bf16 autocast (what AMP does on a GPU) a step mid-fade gives finite losses."""
    from types import SimpleNamespace

    class BF16:
        def autocast(self):
            return torch.autocast("cpu", dtype=torch.bfloat16)

        def backward(self, loss):
            loss.backward()

        def step(self, opt):
            opt.step()

    cfg = _cfg(registry)
    variant = registry.variant("progan")
    ctx = SimpleNamespace(precision=BF16(), world_size=1, rank=0, device=torch.device("cpu"))
    routine = variant.routine(variant.build(cfg), cfg, registry.objective("wgan-gp").factory(), ctx)
    routine.load_state_dict({**routine.state_dict(), "images": 6})  # 8 px, α = 0.5
    losses = routine.step({"image": torch.rand(4, 3, 16, 16) * 2 - 1})
    assert routine.status() == {"resolution": 8, "fade-in α": 1.0}
    assert all(torch.isfinite(torch.tensor(v)) for v in losses.values())
