"""BigGAN: conditional BN and shared embedding, truncation, ortho reg, training, class picker."""

from __future__ import annotations

import importlib
import sys

import pytest
import torch

from ganstudio.core.specs import ConfigError, apply_overrides

TINY = {"resolution": 16, "z_dim": 12, "width": 8, "embed_dim": 8, "attention": 8}
NAMES = ("smile", "hair_colour=black", "hair_colour=brown", "hair_colour=red", "age")


def _module(registry, sub: str):
    pkg = sys.modules[registry.variant("biggan").config.__module__].__package__
    return importlib.import_module(f"{pkg}.{sub}")


def _cfg(registry, **changes):
    return apply_overrides(registry.variant("biggan").config(), {**TINY, **changes})


def test_architecture(registry) -> None:
    cfg = _cfg(registry, classes="black,brown,red")
    torch.manual_seed(0)
    models = registry.variant("biggan").build(cfg)
    G, D = models["G"].eval(), models["D"]
    assert G.chunks == [4, 4, 4] and sum(G.chunks) == cfg.z_dim  # hierarchical z
    assert "0" in G.attn and "0" in D.attn  # self-attention at 8 px in both
    assert all(hasattr(m, "parametrizations") for m in (G.linear, D.psi, D.embed))
    assert not hasattr(G.embed, "parametrizations")  # the shared embedding stays plain
    z = torch.randn(1, cfg.z_dim).expand(3, -1)
    with torch.no_grad():
        img = G(z, torch.arange(3))  # one z, three classes
        assert img.shape == (3, 3, 16, 16)
        assert (img[0] - img[1]).abs().mean() > 1e-3  # the class changes the image
        # soft class weights: a one-hot row is exactly that class
        torch.testing.assert_close(G(z[:1], torch.eye(3)[1:2]), img[1:2])
    assert D(img, torch.arange(3)).shape == (3,)


def test_orthogonal_penalty_is_zero_for_orthogonal_rows(registry) -> None:
    penalty = _module(registry, "models").orthogonal_penalty
    lin = torch.nn.Linear(4, 3, bias=False)
    torch.nn.init.orthogonal_(lin.weight)
    lin.weight.data *= 5  # orthogonal rows of any length: the off-diagonal term ignores norms
    assert penalty(lin).item() == pytest.approx(0.0, abs=1e-8)
    lin.weight.data[1] = lin.weight.data[0]
    assert penalty(lin).item() > 1.0


def test_truncation_pulls_the_same_latent_toward_the_mode(registry) -> None:
    trunc = _module(registry, "actions").truncated_normal
    wide, narrow = trunc([7, 8], 5000, 3.0), trunc([7, 8], 5000, 0.5)
    assert narrow.abs().max() <= 0.5 and wide.abs().max() > 2.0
    assert 0.95 < wide.std() < 1.05
    assert (torch.sign(wide) == torch.sign(narrow)).all()  # the same draw, squeezed
    torch.testing.assert_close(trunc([8], 5000, 0.5)[0], narrow[1])  # per seed


def test_labels_pick_the_classes(registry) -> None:
    routine = _module(registry, "routine")
    cfg = _cfg(registry, classes="red,black")
    cols = routine.class_columns(cfg, NAMES)
    labels = torch.zeros(3, len(NAMES))
    labels[0, 1] = labels[1, 3] = labels[2, 2] = 1  # black, red, brown (not a class)
    assert routine.classes_of(labels, cols).tolist() == [1, 0, -1]
    with pytest.raises(ConfigError, match="no class 'blonde'.*black, brown, red"):
        routine.class_columns(_cfg(registry, classes="blonde,red"), NAMES)
    with pytest.raises(ConfigError, match="labelled data"):
        routine.class_columns(cfg, ())


def test_config_refuses_nonsense(registry) -> None:
    with pytest.raises(ConfigError, match="two"):
        _cfg(registry, classes="red")
    with pytest.raises(ConfigError, match="attention"):
        _cfg(registry, attention=12)


def test_trains_resumes_and_generates_by_class(train_steps, run_action) -> None:
    run = train_steps("biggan", steps=2, overrides=TINY, resume_steps=1)
    rows = (run / "metrics.jsonl").read_text().splitlines()
    assert len(rows) == 3 and '"ortho"' in rows[0]
    model = run / "checkpoints" / "latest.safetensors"
    black = run_action("generate", model, {"class": "hair_colour=black", "seed": 1, "count": 2})
    red = run_action("generate", model, {"class": "hair_colour=red", "seed": 1, "count": 2})
    assert black.images[0].size == (16, 16) and len(black.images) == 2
    assert black.images[0].tobytes() != red.images[0].tobytes()
    assert red.provenance["info"]["class_index"] == 3
    cut = run_action("generate", model, {"class": "hair_colour=red", "seed": 1, "truncation": 0.2})
    assert cut.images[0].tobytes() != red.images[0].tobytes()


def test_action_panel_has_a_class_picker_and_a_truncation_slider(action_panel) -> None:
    panel = action_panel("generate", model="biggan")
    editors = panel.form.editors
    combo = editors["class"].editor
    picks = [combo.itemText(i) for i in range(combo.count())]
    assert picks == [f"hair_colour={c}" for c in ("black", "brown", "blonde", "red", "grey")]
    slider = editors["truncation"].slider
    assert slider is not None  # a slider, not only a spin box
    slider.setValue(slider.minimum())
    assert editors["truncation"].value() == pytest.approx(0.05)
    combo.setCurrentIndex(3)
    assert editors["class"].value() == "hair_colour=red"
    assert panel.current_action.interactive  # the slider previews as it moves


def test_mixed_precision_step(registry) -> None:
    """Under bf16 autocast (what AMP does on a GPU) a step gives finite losses."""
    from types import SimpleNamespace

    from ganstudio.core.data.procedural import label_names

    class BF16:
        def autocast(self):
            return torch.autocast("cpu", dtype=torch.bfloat16)

        def backward(self, loss):
            loss.backward()

        def step(self, opt):
            opt.step()

    names = tuple(label_names())
    cfg = _cfg(registry)
    variant = registry.variant("biggan")
    ctx = SimpleNamespace(
        precision=BF16(), world_size=1, rank=0, device=torch.device("cpu"), label_names=names
    )
    routine = variant.routine(variant.build(cfg), cfg, registry.objective("hinge").factory(), ctx)
    labels = torch.zeros(4, len(names))
    for row, colour in enumerate(("black", "red", "grey", "black")):
        labels[row, names.index(f"hair_colour={colour}")] = 1
    losses = routine.step({"image": torch.rand(4, 3, 16, 16) * 2 - 1, "labels": labels})
    assert {"loss_d", "loss_g", "ortho"} <= set(losses)
    assert all(torch.isfinite(torch.tensor(v)) for v in losses.values())
