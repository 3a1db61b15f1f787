"""Conditional GAN: label mapping, class-dependent output, Trainer on procedural faces, actions."""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

import numpy as np
import pytest
import torch

from ganstudio.core.actions import run_action
from ganstudio.core.specs import ConfigError, apply_overrides, config_from_dict, config_to_dict

NAMES = ("smile", "glasses", "hair_colour=black", "hair_colour=brown", "hair_colour=red", "age")


def _module(registry, sub: str) -> ModuleType:
    pkg = sys.modules[registry.variant("cgan").config.__module__].__package__
    return importlib.import_module(f"{pkg}.{sub}")


def _cfg(registry, **changes):
    base = dict(resolution=16, z_dim=8, width=8, embed_dim=8)
    return apply_overrides(registry.variant("cgan").config(), {**base, **changes})


def test_class_names_follow_the_config(registry) -> None:
    cfg = _cfg(registry)
    assert cfg.class_names == ("age 0–0.25", "age 0.25–0.5", "age 0.5–0.75", "age 0.75–1")
    hair = _cfg(registry, condition="hair_colour", classes="black,red")
    assert hair.class_names == ("hair_colour=black", "hair_colour=red")
    # saved in the model file and rebuilt from it, never recomputed from data
    again = config_from_dict(type(cfg), config_to_dict(hair))
    assert again.class_names == hair.class_names and again.classes == ("black", "red")
    with pytest.raises(ConfigError, match="bins"):
        _cfg(registry, bins=1)


def test_binned_continuous_labels(registry) -> None:
    cmap = _module(registry, "conditions").ConditionMap.from_label_names(_cfg(registry), NAMES)
    labels = torch.zeros(6, len(NAMES))
    labels[:, NAMES.index("age")] = torch.tensor([0.0, 0.24, 0.26, 0.6, 0.99, 1.0])
    labels[:, 0] = 0.9  # other columns do not matter
    assert cmap(labels).tolist() == [0, 0, 1, 2, 3, 3]


def test_categorical_group_labels(registry) -> None:
    conditions = _module(registry, "conditions")
    cfg = _cfg(registry, condition="hair_colour", classes="red,black")
    cmap = conditions.ConditionMap.from_label_names(cfg, NAMES)
    labels = torch.zeros(3, len(NAMES))
    labels[0, NAMES.index("hair_colour=black")] = 1
    labels[1, NAMES.index("hair_colour=red")] = 1
    labels[2, NAMES.index("hair_colour=brown")] = 1  # not a listed class
    assert cmap(labels).tolist() == [1, 0, -1]


def test_condition_errors_tell_what_to_set(registry) -> None:
    cmap = _module(registry, "conditions").ConditionMap
    with pytest.raises(ConfigError, match="classes=black,brown,red"):
        cmap.from_label_names(_cfg(registry, condition="hair_colour"), NAMES)
    with pytest.raises(ConfigError, match="no class 'blonde'"):
        cmap.from_label_names(_cfg(registry, condition="hair_colour", classes="blonde,red"), NAMES)
    with pytest.raises(ConfigError, match="not in the labels"):
        cmap.from_label_names(_cfg(registry, condition="height"), NAMES)
    with pytest.raises(ConfigError, match="no labels"):
        cmap.from_label_names(_cfg(registry), ())


def test_shapes_and_output_depends_on_class(registry) -> None:
    cfg = _cfg(registry, resolution=32)
    torch.manual_seed(0)
    models = registry.variant("cgan").build(cfg)
    G, D = models["G"].eval(), models["D"]
    z = torch.randn(1, cfg.z_dim).expand(4, -1)
    with torch.no_grad():
        img = G(z, torch.arange(4))  # same noise, four classes
    assert img.shape == (4, 3, 32, 32)
    with torch.no_grad():
        other_noise = G(torch.randn(1, cfg.z_dim), torch.tensor([0]))
    by_noise = (img[0] - other_noise[0]).abs().mean().item()
    by_class = [(img[0] - img[k]).abs().mean().item() for k in (1, 2, 3)]
    assert min(by_class) > 0.3 * by_noise  # the label weighs about as much as the noise
    # soft class weights: a one-hot row is exactly that class, a blend lies between
    with torch.no_grad():
        onehot = G(z[:1], torch.eye(4)[2:3])
    torch.testing.assert_close(onehot, img[2:3])
    y = torch.tensor([0, 1, 2, 3])
    assert D(img, y).shape == (4,) and D(img).shape == (4,)


@pytest.fixture
def trained(registry, tmp_path):
    """A few Trainer steps on procedural faces; returns the loaded checkpoint and step losses."""
    from ganstudio.core.data.tensors import ProceduralFacesDataset
    from ganstudio.core.models import load_model
    from ganstudio.core.training import Trainer, TrainOptions

    cfg = _cfg(registry, resolution=32, bins=3)
    data = ProceduralFacesDataset(size=32, count=64)
    opts = TrainOptions(
        steps=4, batch_size=16, num_workers=0, sample_every=4, sample_count=6, checkpoint_every=0
    )
    trainer = Trainer(
        registry.variant("cgan"),
        cfg,
        data,
        tmp_path / "run",
        opts,
        registry.objective("wgan-gp").factory(),
    )
    losses = [e.losses for e in trainer.run() if e.kind == "step"]
    model = load_model(tmp_path / "run" / "checkpoints" / "latest.safetensors", registry)
    return model, losses


def test_trainer_on_procedural_faces(trained) -> None:
    model, losses = trained
    assert len(losses) == 4
    for row in losses:
        assert {"loss_d", "loss_g", "penalty"} <= set(row)
        assert all(np.isfinite(v) for v in row.values())
    assert model.config.class_names == ("age 0–0.333", "age 0.333–0.667", "age 0.667–1")


def test_actions_on_a_checkpoint(registry, trained) -> None:
    model, _ = trained
    gen = registry.action_for("generate", model.capabilities, model.variant_id)
    choice = {p.name: p for p in gen.params_for(model)}["class"]
    assert choice.choices == model.config.class_names
    young = run_action(gen, model, {"seed": 3, "count": 2, "class": "age 0–0.333"})
    old = run_action(gen, model, {"seed": 3, "count": 2, "class": "age 0.667–1"})
    assert len(young.images) == 2 and young.images[0].size == (32, 32)
    assert young.provenance["params"]["class"] == "age 0–0.333"
    assert young.images[0].tobytes() != old.images[0].tobytes()

    sweep = registry.action_for("condition-sweep", model.capabilities, model.variant_id)
    strip = run_action(sweep, model, {"seed": 3})
    assert len(strip.images) == 3 and strip.layout == "strip"
    assert strip.images[0].tobytes() == young.images[0].tobytes()  # same seed, same class
    assert strip.images[2].tobytes() == old.images[0].tobytes()
    smooth = run_action(sweep, model, {"seed": 3, "frames": 5, "layout": "animation"})
    assert len(smooth.images) == 5 and smooth.layout == "animation"
    assert smooth.images[0].tobytes() == young.images[0].tobytes()
    assert smooth.images[4].tobytes() == old.images[0].tobytes()


def test_blend_weights_walk_neighbouring_classes(registry) -> None:
    w = _module(registry, "actions").blend_weights(3, 5)
    torch.testing.assert_close(
        w, torch.tensor([[1.0, 0, 0], [0.5, 0.5, 0], [0, 1, 0], [0, 0.5, 0.5], [0, 0, 1]])
    )


def test_plugin_author_fixtures_train_resume_and_run(train_steps, run_action) -> None:
    """Dogfood of ganstudio.testing: labelled procedural faces reach the routine, resume works."""
    small = {"z_dim": 8, "width": 8, "embed_dim": 4, "bins": 2, "objective": "hinge"}
    run = train_steps("cgan", steps=2, overrides=small, resume_steps=1)
    out = run_action(
        "generate",
        model=run / "checkpoints" / "latest.safetensors",
        params={"count": 2, "class": "age 0.5–1"},
    )
    assert len(out.images) == 2 and out.images[0].size == (32, 32)
