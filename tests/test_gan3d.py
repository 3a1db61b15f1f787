"""The 3D-GAN variant and its actions (issue #14): tiny 16³ models, CPU, a few seconds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from ganstudio.cli import main

TINY = {"resolution": 16, "width": 4, "z_dim": 8}


@pytest.fixture(scope="module")
def registry():
    from ganstudio import plugins

    return plugins.discover(safe_mode=True)


def tiny_model(registry, **overrides):
    from ganstudio.core.specs import apply_overrides
    from ganstudio.testing import build_model

    model = build_model(registry, "gan3d")
    model.config = apply_overrides(model.config, {**TINY, **overrides})
    model.modules = {
        k: v.eval() for k, v in model.variant.build(model.config).items() if k in ("G",)
    }
    return model


def test_the_generator_makes_occupancy_grids_in_x_y_z(registry) -> None:
    from ganstudio.blocks import seeded_normal
    from ganstudio.core.actions import run_action

    model = tiny_model(registry)
    G = model.generator
    z = torch.randn(3, 8)
    with torch.no_grad():
        out = G(z)
    assert out.shape == (3, 1, 16, 16, 16) and 0 <= out.min() and out.max() <= 1
    action = registry.action_for("voxel-preview", model.capabilities, model.variant_id)
    result = run_action(action, model, {"seed": 5, "threshold": 0.3}).result
    with torch.no_grad():
        expected = G(seeded_normal(1, 8, seeds=[5]))[0, 0].numpy()
    # the action's grid is the generator's output, axes untouched: (X, Y, Z), z up
    np.testing.assert_allclose(result.voxels, expected, atol=1e-6)
    assert result.images[0].size == (256, 256) and result.info["threshold"] == 0.3


def test_interpolation_walks_between_the_two_seeds(registry) -> None:
    from ganstudio.core.actions import run_action

    model = tiny_model(registry)
    action = registry.action_for("voxel-preview", model.capabilities, model.variant_id)
    walk = run_action(
        action,
        model,
        {"mode": "interpolate", "seed": 1, "seed_b": 2, "frames": 4, "threshold": 0.95},
    )
    one = run_action(action, model, {"seed": 1, "threshold": 0.95}).result.voxels
    two = run_action(action, model, {"seed": 2, "threshold": 0.95}).result.voxels
    assert walk.result.voxels.shape == (4, 16, 16, 16) and len(walk.images) == 4
    np.testing.assert_allclose(walk.result.voxels[0], one, atol=1e-5)
    np.testing.assert_allclose(walk.result.voxels[-1], two, atol=1e-5)


def test_image_to_shape_needs_an_encoder_and_uses_it(registry, tiny_image) -> None:
    from ganstudio.core.actions import run_action
    from ganstudio.errors import UserError

    model = tiny_model(registry, encoder_size=32)
    action = registry.action_for("image-to-shape", model.capabilities, model.variant_id)
    with pytest.raises(UserError, match="no image encoder"):
        run_action(action, model, {}, {"image": tiny_image})
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "plugins"))
    from gan3d.models import build_encoder

    model.extras = {"encoder": build_encoder(model.config).state_dict()}
    out = run_action(action, model, {"threshold": 0.3}, {"image": tiny_image.convert("RGBA")})
    assert out.result.voxels.shape == (16, 16, 16) and out.result.latents["z"].shape == (1, 8)


def test_short_training_lowers_d_accuracy_on_fakes(registry) -> None:
    """D first learns to tell the untrained generator's blobs from shapes (all fakes caught);
    then a short adversarial run teaches G to fool it."""
    from ganstudio.core.data.voxel_tensors import ProceduralShapesDataset
    from ganstudio.core.sources import make_objective
    from ganstudio.core.specs import apply_overrides

    torch.manual_seed(0)
    variant = registry.variant("gan3d")
    cfg = apply_overrides(
        variant.config(), {**TINY, "width": 4, "objective": "bce", "lr_g": 5e-3, "lr_d": 2e-4}
    )
    models = variant.build(cfg)
    G, D = models["G"], models["D"]
    data = ProceduralShapesDataset(size=16, count=48)
    real = torch.stack([data[i]["voxels"] for i in range(48)])
    objective = make_objective(registry, cfg)
    routine = variant.routine(models, cfg, objective, _Ctx())
    gen = torch.Generator().manual_seed(0)
    batches = [real[torch.randint(0, 48, (8,), generator=gen)] for _ in range(50)]

    def accuracy_on_fakes() -> float:
        with torch.no_grad():
            fakes = G(torch.randn(64, cfg.z_dim, generator=torch.Generator().manual_seed(9)))
            return (D(fakes) < 0).float().mean().item()

    for batch in batches[:10]:  # D alone, against the untrained G
        with torch.no_grad():
            fakes = G(torch.randn(8, cfg.z_dim))
        routine.opt_d.zero_grad()
        objective.d_loss(D(batch), D(fakes)).backward()
        routine.opt_d.step()
    before = accuracy_on_fakes()
    for batch in batches[10:]:
        routine.step({"voxels": batch})
    after = accuracy_on_fakes()
    assert before > 0.9 and after < 0.5, (before, after)


class _Ctx:
    device = torch.device("cpu")

    class precision:  # noqa: N801 - fp32 on a CPU
        @staticmethod
        def autocast():
            import contextlib

            return contextlib.nullcontext()

        @staticmethod
        def backward(loss):
            loss.backward()

        @staticmethod
        def step(optimizer):
            optimizer.step()


def test_train_steps_and_resume(train_steps) -> None:
    run = train_steps("gan3d", steps=2, overrides=TINY, resume_steps=1)
    assert (run / "checkpoints" / "latest.safetensors").is_file()
    assert list((run / "samples").glob("*.png"))


# --------------------------------------------------------------------------- CLI


@pytest.fixture(scope="module")
def model_file(tmp_path_factory) -> Path:
    from ganstudio import plugins
    from ganstudio.services.training import prepare_training

    root = tmp_path_factory.mktemp("gan3d")
    prepared = prepare_training(
        plugins.get_registry(),
        "gan3d",
        root,
        data="procedural:shapes?count=4",
        config=TINY,
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
    return root / "checkpoints" / "latest.safetensors"


def test_cli_writes_a_mesh_a_grid_and_a_turntable(model_file: Path, tmp_path: Path, capsys) -> None:
    from PIL import Image

    from ganstudio.core.voxels import read_grid
    from ganstudio.core.voxels.export import read_mesh_provenance

    base = [
        "run",
        "voxel-preview",
        "--model",
        str(model_file),
        "--param",
        "seed=3",
        "--param",
        "threshold=0.2",
        "--no-progress",
        "--device",
        "cpu",
    ]
    for name in ("chair.obj", "chair.binvox", "chair.png"):
        assert main([*base, "-o", str(tmp_path / name)]) == 0, capsys.readouterr().err
    assert read_mesh_provenance(tmp_path / "chair.obj")["params"]["seed"] == 3
    assert read_grid(tmp_path / "chair.binvox").shape == (16, 16, 16)
    with Image.open(tmp_path / "chair.png") as strip:
        assert strip.width > 3 * strip.height  # four views side by side
    assert main([*base, "-o", str(tmp_path / "chair.jpg")]) == 2
    assert "writes .obj" in capsys.readouterr().err


def test_batch_turns_a_folder_of_grids_into_meshes(tmp_path: Path, capsys) -> None:
    from ganstudio.core.voxels import write_grid

    src = tmp_path / "in"
    src.mkdir()
    cube = np.zeros((8, 8, 8), np.float32)
    cube[2:6, 2:6, 2:6] = 1
    write_grid(src / "a.binvox", cube)
    write_grid(src / "b.npy", cube)
    (src / "broken.binvox").write_bytes(b"#binvox 1\ndim 8 8 8\ndata\n\x01\x03")
    (src / "notes.txt").write_text("not a grid")
    out = tmp_path / "out"
    code = main(["batch", "voxels-to-mesh", str(src), str(out), "--no-progress", "--format", "stl"])
    err = capsys.readouterr().err
    assert code == 3 and "2 done" in err and "broken.binvox: binvox data is cut short" in err
    assert sorted(p.name for p in out.glob("*.stl")) == ["a.stl", "b.stl"]
    code = main(
        [
            "batch",
            "voxels-to-mesh",
            str(src),
            str(out),
            "--no-progress",
            "--format",
            "stl",
            "--resume",
        ]
    )
    assert "0 done, 2 skipped" in capsys.readouterr().err
