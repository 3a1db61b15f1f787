"""Every action × every model (issue #12, item 23): an action runs with its defaults on
every model it accepts, or refuses in one line (exit 2) — never a traceback.

Models: the bundled demos and a freshly trained tiny model of every variant (one step:
what a user has right after ``ganstudio train``).  The fast test shortens only the
parameters listed in ``FAST``; the slow one runs every default as shipped.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from ganstudio.cli import main
from ganstudio.core.model_files import BUNDLED_DIR

#: tiny configs per variant: fresh models train in about a second each
TINY = {
    "dcgan": {"resolution": 32, "width": 8, "z_dim": 16},
    "gan": {"resolution": 32, "hidden": 32, "z_dim": 16},
    "cgan": {"resolution": 32, "width": 8, "z_dim": 16, "embed_dim": 8},
    "infogan": {"resolution": 32, "width": 8, "z_dim": 16},
    "stylegan2": {
        "resolution": 32,
        "z_dim": 16,
        "w_dim": 16,
        "mapping_layers": 2,
        "channel_base": 256,
        "channel_max": 16,
    },
    "ae": {"resolution": 32, "width": 8, "latent_dim": 8},
    "vae": {"resolution": 32, "width": 8, "latent_dim": 8},
    "vae-gan": {"resolution": 32, "width": 8, "latent_dim": 8},
    "text2image": {"resolution": 32, "width": 8, "z_dim": 8, "text_dim": 8, "cond_dim": 8},
    "srgan": {
        "resolution": 32,
        "scale": 2,
        "num_feat": 8,
        "num_block": 1,
        "d_feat": 8,
        "perceptual_weight": 0.0,
    },
    "esrgan": {
        "resolution": 32,
        "scale": 2,
        "num_feat": 8,
        "num_block": 1,
        "num_grow_ch": 8,
        "d_feat": 8,
        "perceptual_weight": 0.0,
    },
    "srvgg": {
        "resolution": 32,
        "scale": 2,
        "num_feat": 8,
        "num_conv": 2,
        "d_feat": 8,
        "perceptual_weight": 0.0,
    },
    "temporal": {"resolution": 16, "width": 8, "content_dim": 8, "frames": 4},
    "progan": {"resolution": 32, "z_dim": 8, "width": 16, "min_width": 8},
    "lapgan": {"resolution": 32, "z_dim": 8, "width": 8},
    "biggan": {"resolution": 32, "z_dim": 8, "width": 8, "embed_dim": 8},
    "gan3d": {"resolution": 16, "width": 4, "z_dim": 8},
    "pix2pix": {"resolution": 32, "generator": "resnet_6blocks", "ngf": 4, "ndf": 4},
    "cyclegan": {"resolution": 32, "generator": "resnet_6blocks", "ngf": 4, "ndf": 4},
}
#: data per variant when not procedural faces (a video variant trains on clips,
#: voxel variants on shapes)
DATA = {
    "temporal": "procedural:face-clips?count=4&frames=4",
    "gan3d": "procedural:shapes?count=4",
}
#: the only defaults the fast test shortens (the slow test runs them as shipped)
FAST = {"project": ["--param", "steps=2"], "fit-directions": ["--param", "samples=100"]}


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from ganstudio import plugins
    from ganstudio.services.training import prepare_training

    reg = plugins.get_registry()
    found = {p.stem: p for p in sorted(BUNDLED_DIR.glob("*.safetensors"))}
    root = tmp_path_factory.mktemp("fresh")
    missing = sorted({v.id for v in reg.specs("variants") if v.routine} - set(TINY))
    assert not missing, f"add a tiny config for {missing}"
    for variant, config in TINY.items():
        prepared = prepare_training(
            reg,
            variant,
            root / variant,
            data=DATA.get(variant, "procedural:faces?count=4"),
            config=config,
            options={
                "steps": 1,
                "batch_size": 2,
                "num_workers": 0,
                "sample_every": 0,
                "checkpoint_every": 0,
                "device": "cpu",
            },
        )
        prepared.trainer.run_to_end()
        found[f"fresh-{variant}"] = root / variant / "checkpoints" / "latest.safetensors"
    return found


def actions() -> dict[str, str]:
    """Action id → input kind, over every built-in plugin."""
    from ganstudio import plugins

    return {a.id: a.input_kind for a in plugins.discover(safe_mode=True).specs("actions")}


def run_pair(
    capsys, tmp_path: Path, action: str, model: Path, extra: list[str], input_kind: str = "none"
) -> str:
    """Run ``action`` on ``model``; "" when it wrote its output, else its one error line."""
    photo = tmp_path / "in.png"
    Image.new("RGB", (24, 24), (120, 90, 60)).save(photo)
    out = tmp_path / f"{action}-{model.parent.parent.name}-{model.stem}.png"
    source = ["--input", str(photo)] if input_kind == "image" else []
    if input_kind == "voxels":  # a small solid block as a .npy grid
        import numpy as np

        grid = np.zeros((8, 8, 8), np.float32)
        grid[2:6, 2:6, 2:6] = 1
        np.save(tmp_path / "in.npy", grid)
        source = ["--input", str(tmp_path / "in.npy")]
    try:
        code = main(
            [
                "run",
                action,
                "--model",
                str(model),
                "-o",
                str(out),
                *source,
                "--no-progress",
                "--device",
                "cpu",
                *extra,
            ]
        )
    except BaseException as exc:  # anything escaping main() is a traceback for the user
        pytest.fail(f"{action} on {model.name}: {type(exc).__name__}: {exc}")
    err = capsys.readouterr().err.strip()
    if code == 0:
        assert out.is_file(), f"{action} on {model.name}: exit 0 but nothing written"
        return ""
    lines = [line for line in err.splitlines() if line.startswith("ganstudio run:")]
    assert code == 2 and len(lines) == 1 and "Traceback" not in err, (
        f"{action} on {model.name}: exit {code}: {err}"
    )
    return lines[0]


def usable(model: Path) -> set[str]:
    """The action ids ``model`` offers (the model-less ones run with any model), from
    its header alone: what ``action_for`` accepts."""
    from ganstudio import plugins
    from ganstudio.core.model_files import read_header
    from ganstudio.core.models import resolve_variant

    reg = plugins.get_registry()
    variant_id, variant = resolve_variant(reg, read_header(model), model.name)
    offered = {a.id for a in reg.actions_for(variant.capabilities, variant_id)}
    return offered | {a.id for a in reg.specs("actions") if not a.requires}


def refusals(capsys, tmp_path: Path, models: dict[str, Path], fast: bool) -> set[tuple[str, str]]:
    """(action, model) pairs where the model is accepted but the defaults are refused.

    Every accepted pair runs; of the pairs a model does not accept, one per action
    runs (the refusal is the same code for every model: one line, exit 2), which
    keeps the test to the few hundred pairs that can go wrong differently."""
    refused = set()
    offers = {name: usable(model) for name, model in models.items()}
    for action, kind in sorted(actions().items()):
        refusal_checked = False
        for name, model in models.items():
            if action not in offers[name]:
                if refusal_checked:
                    continue
                refusal_checked = True
            extra = FAST.get(action, []) if fast else []
            line = run_pair(capsys, tmp_path, action, model, extra, kind)
            if action not in offers[name]:
                assert "does not apply to" in line, (action, name, line)
            elif line:
                refused.add((action, name))
    return refused


#: accepted but refused on purpose: 'run' writes images; directions fit stores directions;
#: a freshly trained 3D-GAN has no image encoder yet (scripts/train_gan3d_demo.py adds one)
EXPECTED = {
    ("fit-directions", "stylegan-faces-32"),
    ("fit-directions", "fresh-stylegan2"),
    ("image-to-shape", "fresh-gan3d"),
}
#: inpaint needs a mask (--mask) and says so
EXPECTED |= {("inpaint", m) for m in ("ae-faces-32", "fresh-ae", "fresh-vae", "fresh-vae-gan")}


def test_every_action_runs_or_refuses_in_one_line_on_every_model(capsys, tmp_path, models):
    assert refusals(capsys, tmp_path, models, fast=True) == EXPECTED


def test_directions_fit_on_a_fresh_stylegan2_follows_its_own_advice(capsys, tmp_path, models):
    model = tmp_path / "m.safetensors"
    model.write_bytes(models["fresh-stylegan2"].read_bytes())
    code = main(["directions", "fit", "--model", str(model), "--device", "cpu"])
    err = capsys.readouterr().err
    assert code == 2 and "method=pca" in err  # the defaults need labelled data
    code = main(
        [
            "directions",
            "fit",
            "--model",
            str(model),
            "--device",
            "cpu",
            "--param",
            "method=pca",
            "--param",
            "samples=100",
        ]
    )
    assert code == 0 and "wrote 8 directions" in capsys.readouterr().err
    assert run_pair(capsys, tmp_path, "attributes", model, []) == ""  # the new sliders


@pytest.mark.slow
def test_every_action_with_its_shipped_defaults(capsys, tmp_path, models):
    assert refusals(capsys, tmp_path, models, fast=False) == EXPECTED
