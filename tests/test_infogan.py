"""InfoGAN: shapes, the mutual-information term, code sliders, Trainer round trip."""

from __future__ import annotations

import importlib
import sys
from types import ModuleType, SimpleNamespace

import numpy as np
import pytest
import torch

from ganstudio.core.actions import run_action
from ganstudio.core.specs import ChoiceParam, FloatParam, ParamError, apply_overrides


def _module(registry, sub: str) -> ModuleType:
    """A submodule of the plugin exactly as discovery imported it."""
    pkg = sys.modules[registry.variant("infogan").config.__module__].__package__
    return importlib.import_module(f"{pkg}.{sub}")


def _tiny(registry, **changes):
    cfg = registry.variant("infogan").config()
    base = dict(
        resolution=16, z_dim=8, categorical=(4,), continuous=2, width=8, channels=1, lr=1e-3
    )
    return apply_overrides(cfg, {**base, **changes})


def _routine(registry, cfg, seed=0):
    from ganstudio.core.device import Precision

    torch.manual_seed(seed)
    models = registry.variant("infogan").build(cfg)
    ctx = SimpleNamespace(precision=Precision(torch.device("cpu"), False))
    objective = registry.objective("bce").factory()
    return models, _module(registry, "routine").InfoGANRoutine(models, cfg, objective, ctx)


def test_shapes(registry) -> None:
    cfg = _tiny(registry, resolution=32, categorical=(3, 5), continuous=3, channels=3)
    m = _module(registry, "models")
    models = registry.variant("infogan").build(cfg)
    cats, codes = m.random_codes(cfg, 6)
    latent = m.compose_latent(cfg, torch.randn(6, cfg.z_dim), cats, codes)
    assert latent.shape == (6, 8 + 3 + 5 + 3)
    img = models["G"](latent)
    assert img.shape == (6, 3, 32, 32)
    assert img.abs().max() <= 1
    score, q = models["D"](img, with_q=True)
    assert score.shape == (6,) and q.shape == (6, 3 + 5 + 3)
    assert models["D"](img).shape == (6,)  # plain call: scores only, as objectives expect
    logits, mean, log_std = m.split_q(cfg, q)
    assert [lg.shape[1] for lg in logits] == [3, 5] and mean.shape == (6, 3) and log_std is None


def test_config_rejects_codeless_latent(registry) -> None:
    with pytest.raises(ValueError, match="code"):
        _tiny(registry, categorical=(), continuous=0)


def _q_readout(registry, cfg, models) -> tuple[float, float]:
    """Q's accuracy on G's categorical code, and its correlation with code 1, on fresh samples."""
    m = _module(registry, "models")
    G, D = models["G"].eval(), models["D"].eval()
    g = torch.Generator().manual_seed(123)
    with torch.no_grad():
        cats, codes = m.random_codes(cfg, 512, g)
        latent = m.compose_latent(cfg, torch.randn(512, cfg.z_dim, generator=g), cats, codes)
        _, q = D(G(latent), with_q=True)
    logits, mean, _ = m.split_q(cfg, q)
    acc = (logits[0].argmax(1) == cats[:, 0]).float().mean().item()
    corr = torch.corrcoef(torch.stack([mean[:, 0], codes[:, 0]]))[0, 1].item()
    return acc, corr


@pytest.mark.parametrize("learn_std", [False, True])
def test_mutual_information_makes_codes_readable(registry, learn_std: bool) -> None:
    """After 60 steps Q reads G's codes far above chance; with λ = 0 it cannot."""
    data = torch.rand(256, 1, 16, 16) * 2 - 1  # toy data: the codes must come from the MI term
    results = {}
    for weight in (1.0, 0.0):
        cfg = _tiny(registry, info_weight=weight, learn_std=learn_std)
        models, routine = _routine(registry, cfg)
        g = torch.Generator().manual_seed(0)
        for _ in range(60):
            losses = routine.step({"image": data[torch.randint(256, (32,), generator=g)]})
        assert all(torch.isfinite(torch.tensor(v)) for v in losses.values())
        results[weight] = _q_readout(registry, cfg, models)
    (acc, corr), (acc0, corr0) = results[1.0], results[0.0]
    assert acc > 0.7, results  # chance is 0.25 with 4 categories
    assert corr > 0.6, results
    assert acc0 < 0.5 and abs(corr0) < 0.4, results


class _Model(SimpleNamespace):
    @property
    def generator(self):
        return self.modules["G"]


def _loaded(registry, cfg, steps: int = 0):
    """A model as actions see it; ``steps`` of training on toy data make the codes matter."""
    models, routine = _routine(registry, cfg)
    g = torch.Generator().manual_seed(0)
    for _ in range(steps):
        routine.step(
            {
                "image": torch.rand(32, cfg.channels, cfg.resolution, cfg.resolution, generator=g)
                * 2
                - 1
            }
        )
    G = models["G"].eval()
    return _Model(
        config=cfg,
        modules={"G": G},
        device=torch.device("cpu"),
        path=None,
        sha256="",
        variant_id="infogan",
    )


def test_params_come_from_the_model_config(registry) -> None:
    cfg = _tiny(registry, categorical=(3, 6), continuous=3)
    action = registry.action_for("generate", registry.variant("infogan").capabilities, "infogan")
    params = {p.name: p for p in action.params_for(_loaded(registry, cfg))}
    sliders = [p for p in params.values() if isinstance(p, FloatParam)]
    assert [p.name for p in sliders] == ["code_1", "code_2", "code_3"]
    assert all(p.min == -2 and p.max == 2 for p in sliders)
    assert params["category_2"].choices == ("random", "0", "1", "2", "3", "4", "5")
    assert isinstance(params["category_1"], ChoiceParam)
    # the default model's panel (before one is loaded) still lists the default codes
    assert {"category", "code_1", "code_2"} <= {p.name for p in action.params_for(None)}


def test_code_slider_and_category_change_the_image(registry) -> None:
    cfg = _tiny(registry)
    model = _loaded(registry, cfg, steps=40)
    action = registry.action_for("generate", registry.variant("infogan").capabilities, "infogan")

    def pixels(**values):
        out = run_action(action, model, {"seed": 5, **values})
        return torch.from_numpy(np.asarray(out.images[0], dtype=np.float32))

    base = pixels(category="1", code_1=0.0)
    assert torch.equal(base, pixels(category="1", code_1=0.0))  # same settings, same image
    assert (base - pixels(category="1", code_1=1.5)).abs().mean() > 0.5
    assert (base - pixels(category="1", code_2=-1.5)).abs().mean() > 0.5
    assert (base - pixels(category="3", code_1=0.0)).abs().mean() > 0.5
    with pytest.raises(ParamError):
        run_action(action, model, {"code_1": 3.0})


def test_sweep_walks_one_code(registry) -> None:
    cfg = _tiny(registry, categorical=(5,))
    model = _loaded(registry, cfg, steps=20)
    action = registry.action_for("interpolate", registry.variant("infogan").capabilities, "infogan")
    out = run_action(action, model, {"seed": 2, "code": "code_2", "frames": 6, "span": 1.0})
    assert len(out.images) == 6 and out.layout == "strip"
    assert out.result.info["values"][0] == -1.0 and out.result.info["values"][-1] == 1.0
    codes = out.result.latents["codes"]
    assert (codes[:, 0] == 0).all() and codes[0, 1] < codes[-1, 1]
    cat = run_action(action, model, {"seed": 2, "code": "category", "layout": "animation"})
    assert len(cat.images) == 5 and cat.layout == "animation"
    assert cat.images[0].tobytes() != cat.images[-1].tobytes()


def test_trainer_checkpoint_runs_actions(registry, tmp_path) -> None:
    from ganstudio.core.models import load_model
    from ganstudio.core.training import Trainer, TrainOptions

    cfg = _tiny(registry, channels=3, categorical=(3,), continuous=1)
    dataset = [{"image": torch.rand(3, 16, 16) * 2 - 1} for _ in range(16)]
    opts = TrainOptions(
        steps=3, batch_size=8, num_workers=0, sample_every=3, sample_count=6, checkpoint_every=0
    )
    trainer = Trainer(
        registry.variant("infogan"),
        cfg,
        dataset,
        tmp_path / "run",
        opts,
        registry.objective("hinge").factory(),
    )
    events = list(trainer.run())
    losses = [e.losses for e in events if e.kind == "step"]
    assert len(losses) == 3 and all("loss_info" in row and "q_acc" in row for row in losses)
    model = load_model(tmp_path / "run" / "checkpoints" / "latest.safetensors", registry)
    assert model.config.categorical == (3,) and model.config.continuous == 1
    action = registry.action_for("generate", model.capabilities, model.variant_id)
    assert [p.name for p in action.params_for(model)][2:] == ["category", "code_1"]
    out = run_action(action, model, {"seed": 1, "count": 2, "category": "2", "code_1": -1.0})
    assert len(out.images) == 2 and out.images[0].size == (16, 16)
    assert out.provenance["params"]["code_1"] == -1.0


def test_plugin_author_fixtures_train_resume_and_run(train_steps, run_action) -> None:
    """Dogfood of ganstudio.testing: what a third-party plugin's tests would write."""
    small = {"resolution": 16, "z_dim": 8, "categorical": "3", "continuous": 1, "width": 8}
    run = train_steps("infogan", steps=2, overrides=small, resume_steps=1)
    out = run_action(
        "generate",
        model=run / "checkpoints" / "latest.safetensors",
        params={"count": 2, "category": "1"},
    )
    assert len(out.images) == 2 and out.images[0].size == (16, 16)
    assert out.provenance["plugin"]["name"] == "infogan"
