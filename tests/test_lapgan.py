"""LAPGAN: the pyramid adds detail level by level; refine gives one layer per level."""

from __future__ import annotations

import pytest
import torch
from PIL import Image

from ganstudio.core.imaging import compose
from ganstudio.errors import UserError

TINY = {"resolution": 32, "base_resolution": 8, "z_dim": 8, "width": 8}


@pytest.fixture
def lapgan(registry):
    from ganstudio.core.specs import apply_overrides
    from ganstudio.testing import build_model

    variant = registry.variant("lapgan")
    model = build_model(registry, variant, apply_overrides(variant.config(), TINY))
    torch.manual_seed(1)
    for level in model.generator.levels:  # DCGAN's init makes residuals too faint to see
        for m in level.modules():
            if isinstance(m, torch.nn.Conv2d):
                torch.nn.init.normal_(m.weight, 0.0, 0.3)
    return model


def test_levels_add_residuals_to_the_upsampled_image(lapgan) -> None:
    G = lapgan.generator
    x = torch.rand(2, 3, 8, 8) * 2 - 1
    noises = G.noises(2, torch.Generator().manual_seed(0))
    with torch.no_grad():
        levels = G.refine(x, noises)
        assert [y.shape[-1] for y in levels] == [8, 16, 32]
        torch.testing.assert_close(levels[0], x)
        # each level = upsampled coarser level + that level's generator output
        up = torch.nn.functional.interpolate(levels[1], scale_factor=2, mode="bilinear")
        torch.testing.assert_close(levels[2], up + G.levels[1](up, noises[1]))

        # the detail depends on the coarse image it refines, and on the noise
        def detail(ys):
            return ys[2] - torch.nn.functional.interpolate(ys[1], scale_factor=2, mode="bilinear")

        other = G.refine(-x, noises)
        noisier = G.refine(x, G.noises(2, torch.Generator().manual_seed(1)))
        assert (detail(other) - detail(levels)).abs().mean() > 0.01
        assert (detail(noisier) - detail(levels)).abs().mean() > 0.01


def test_trains_resumes_and_generates(train_steps, run_action, tiny_image) -> None:
    run = train_steps("lapgan", steps=2, overrides=TINY, resume_steps=1)
    lines = (run / "metrics.jsonl").read_text().splitlines()
    assert len(lines) == 3 and '"loss_d8"' in lines[0] and '"loss_d32"' in lines[0]
    model = run / "checkpoints" / "latest.safetensors"
    out = run_action("generate", model, {"seed": 5, "count": 2})
    again = run_action("generate", model, {"seed": 6, "count": 1})
    assert out.images[0].size == (32, 32) and len(out.images) == 2
    assert out.images[1].tobytes() == again.images[0].tobytes()  # image i is seed + i alone
    # the command line: a PNG holds the layers stacked (the top), a GIF one frame per level
    from ganstudio.cli import main

    tiny_image.save(run / "in.png")
    base = ["run", "refine", "--model", str(model), "--input", str(run / "in.png")]
    assert main([*base, "-o", str(run / "out.png"), "--param", "from=16"]) == 0
    assert main([*base, "-o", str(run / "out.gif")]) == 0
    assert Image.open(run / "out.png").size == (32, 32)
    assert Image.open(run / "out.gif").n_frames == 3


def test_wgan_gp_objective_runs_every_level(train_steps) -> None:
    run = train_steps("lapgan", steps=1, overrides={**TINY, "objective": "wgan-gp"})
    assert '"penalty"' in (run / "metrics.jsonl").read_text()


def test_refine_gives_one_layer_per_level(run_action, lapgan) -> None:
    photo = Image.new("RGB", (40, 24), (200, 30, 30))
    out = run_action("refine", lapgan, {"from": "8", "seed": 1}, image=photo)
    assert out.layout == "layers" and len(out.images) == 3
    assert [im.size for im in out.images] == [(32, 32)] * 3
    assert out.provenance["info"]["resolutions"] == [8, 16, 32]
    assert out.images[0].getpixel((5, 5)) == (200, 30, 30)  # the input, reduced to 8 px
    assert out.images[2].tobytes() != out.images[1].tobytes()  # the top level adds detail
    names = [n for _, n in out.layers("Refine")]
    assert names == ["Refine: 8×8 (input)", "Refine: + detail 16×16", "Refine: + detail 32×32"]
    assert out.composite().tobytes() == out.images[2].tobytes()  # a file shows the top
    from16 = run_action("refine", lapgan, {"from": "16", "seed": 1}, image=photo)
    assert len(from16.images) == 2
    with pytest.raises(Exception, match="from"):
        run_action("refine", lapgan, {"from": "32"}, image=photo)


def test_layers_compose_like_a_document() -> None:
    bottom = Image.new("RGB", (4, 4), (255, 0, 0))
    top = Image.new("RGBA", (4, 4), (0, 0, 255, 0))
    top.putpixel((0, 0), (0, 0, 255, 255))
    stacked = compose([bottom, top], "layers")
    assert stacked.getpixel((0, 0))[:3] == (0, 0, 255) and stacked.getpixel((1, 1))[:3] == (
        255,
        0,
        0,
    )


def test_refine_without_an_image_is_a_clear_error(lapgan) -> None:
    from ganstudio import plugins
    from ganstudio.core.actions import run_action

    action = plugins.get_registry().action_for("refine", lapgan.capabilities, "lapgan")
    with pytest.raises(UserError, match="needs an image"):
        run_action(action, lapgan, {}, {})


def test_mixed_precision_step(registry) -> None:
    """Under bf16 autocast (what AMP does on a GPU) every level's step gives finite losses."""
    from types import SimpleNamespace

    from ganstudio.core.specs import apply_overrides

    class BF16:
        def autocast(self):
            return torch.autocast("cpu", dtype=torch.bfloat16)

        def backward(self, loss):
            loss.backward()

        def step(self, opt):
            opt.step()

    variant = registry.variant("lapgan")
    cfg = apply_overrides(variant.config(), TINY)
    ctx = SimpleNamespace(precision=BF16(), world_size=1, rank=0, device=torch.device("cpu"))
    routine = variant.routine(variant.build(cfg), cfg, registry.objective("wgan-gp").factory(), ctx)
    losses = routine.step({"image": torch.rand(4, 3, 32, 32) * 2 - 1})
    assert {"loss_d8", "loss_d16", "loss_d32", "penalty"} <= set(losses)
    assert all(torch.isfinite(torch.tensor(v)) for v in losses.values())
