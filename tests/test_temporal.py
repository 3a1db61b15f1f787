"""Temporal GAN (MoCoGAN): face clips, training through the Trainer, animate, export."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from ganstudio.cli import main
from ganstudio.core.data.clips import ProceduralFaceClips
from ganstudio.core.data.tensors import FaceClipsDataset

TINY = {"resolution": 16, "width": 8, "content_dim": 8, "motion_dim": 4, "frames": 4}


def test_face_clips_move_and_keep_the_face() -> None:
    clips = ProceduralFaceClips(size=32, count=6, seed=1, frames=6, motion="turn")
    clip = clips[2]
    assert len(clip.frames) == 6 and clip.frames[0].size == (32, 32)
    turn = clip.track["head_turn"]
    assert np.sign(turn[0]) == -np.sign(turn[-1]) and abs(turn[-1] - turn[0]) > 1.0
    arr = [np.asarray(f, dtype=np.float32) for f in clip.frames]
    step = np.mean([np.abs(a - b).mean() for a, b in zip(arr, arr[1:], strict=False)])
    other = np.abs(arr[0] - np.asarray(clips[3].frames[0], dtype=np.float32)).mean()
    assert 0 < step < other  # a frame differs a little from the next, a lot from another face
    again = ProceduralFaceClips(size=32, count=6, seed=1, frames=6, motion="turn")[2]
    assert all(a.tobytes() == b.tobytes() for a, b in zip(clip.frames, again.frames, strict=True))
    assert set(ProceduralFaceClips(32, 4, 0, 4, "smile")[0].track) == {"smile"}


def test_face_clips_dataset_gives_video_batches() -> None:
    data = FaceClipsDataset(size=16, count=3, frames=5)
    item = data[1]
    assert item["video"].shape == (3, 5, 16, 16)
    assert -1.0 <= float(item["video"].min()) and float(item["video"].max()) <= 1.0
    batch = torch.utils.data.default_collate([data[0], data[1]])
    assert batch["video"].shape == (2, 3, 5, 16, 16)  # (B, C, T, H, W)


def test_data_source_kinds_are_checked(ganstudio_registry, tmp_path: Path) -> None:
    from ganstudio.core.sources import open_dataset
    from ganstudio.core.specs import DataRequest
    from ganstudio.errors import UserError

    video = DataRequest(resolution=16, kind="video")
    data = open_dataset(ganstudio_registry, "procedural:face-clips?count=3&frames=4", video)
    assert data[0]["video"].shape == (3, 4, 16, 16)
    with pytest.raises(UserError, match="face-clips"):
        open_dataset(ganstudio_registry, "procedural:faces", video)
    with pytest.raises(UserError, match="videos"):
        open_dataset(ganstudio_registry, "procedural:face-clips", DataRequest(kind="image"))
    with pytest.raises(UserError, match="no clips"):
        open_dataset(ganstudio_registry, str(tmp_path), video)
    with pytest.raises(UserError, match="motion"):
        open_dataset(ganstudio_registry, "procedural:face-clips?motion=dance", video)


def test_models_shapes(ganstudio_registry) -> None:
    variant = ganstudio_registry.variant("temporal")
    cfg = variant.config(**TINY)
    models = variant.build(cfg)
    video = models["G"](torch.randn(3, 8), torch.randn(3, 4, cfg.noise_dim))
    assert video.shape == (3, 3, 4, 16, 16)
    assert models["D_video"](video).shape == (3,)
    assert models["D"](video[:, :, 0]).shape == (3,)


def test_training_steps_teach_the_video_critic(ganstudio_registry) -> None:
    """A few updates on real clips: the video critic's loss falls from its start."""
    from ganstudio.core.device import Precision
    from ganstudio.core.specs import RoutineContext

    variant = ganstudio_registry.variant("temporal")
    cfg = variant.config(**TINY, lr=1e-3)
    torch.manual_seed(0)
    models = variant.build(cfg)
    ctx = RoutineContext(torch.device("cpu"), Precision(torch.device("cpu"), False), batch_size=4)
    routine = variant.routine(models, cfg, ganstudio_registry.objective("bce").factory(), ctx)
    data = FaceClipsDataset(size=16, count=4, frames=4)
    batch = torch.utils.data.default_collate([data[i] for i in range(4)])
    losses = [routine.step(batch)["loss_d_video"] for _ in range(12)]
    assert np.mean(losses[-3:]) < losses[0]


def test_train_resume_and_animate(train_steps, run_action) -> None:
    run = train_steps("temporal", steps=2, overrides=TINY, resume_steps=1)
    meta = json.loads((run / "config.json").read_text())
    assert meta["variant"] == "temporal"
    assert (run / "samples").is_dir() and any((run / "samples").iterdir())
    model = run / "checkpoints" / "latest.safetensors"
    out = run_action("animate", model=model, params={"seed": 3, "motion_seed": 1, "frames": 6})
    assert len(out.images) == 6 and out.layout == "animation"
    assert out.provenance["info"]["fps"] == 8


def test_animate_content_is_consistent(run_action, ganstudio_registry) -> None:
    """Frames of one clip are closer to each other than to another content seed's."""
    from ganstudio.testing import build_model

    torch.manual_seed(0)
    model = build_model(
        ganstudio_registry, "temporal", ganstudio_registry.variant("temporal").config(**TINY)
    )

    def clip(seed: int, motion: int) -> np.ndarray:
        out = run_action("animate", model=model, params={"seed": seed, "motion_seed": motion})
        return np.stack([np.asarray(im, dtype=np.float32) for im in out.images])

    a, b = clip(1, 0), clip(2, 0)
    assert len(a) == TINY["frames"]  # Auto: the trained length
    within = np.abs(np.diff(a, axis=0)).mean()
    across = np.abs(a - b).mean()
    assert within < across
    assert not np.array_equal(a, clip(1, 5))  # another motion seed moves otherwise
    assert np.array_equal(a, clip(1, 0))  # and seeds make it again exactly


@pytest.mark.parametrize("suffix", [".gif", ".webp", ".png"])
def test_cli_animate_exports(train_steps, tmp_path: Path, capsys, suffix: str) -> None:
    """``ganstudio run animate -o clip.gif|clip.webp|strip.png``: frames, or a strip."""
    from ganstudio.core.imaging import read_provenance

    run = train_steps("temporal", steps=1, overrides=TINY)
    model = run / "checkpoints" / "latest.safetensors"
    out = tmp_path / f"clip{suffix}"
    args = ["run", "animate", "--model", str(model), "-o", str(out), "--no-progress"]
    code = main([*args, "--param", "frames=5", "--param", "fps=10", "--device", "cpu"])
    assert code == 0, capsys.readouterr().err
    with Image.open(out) as im:
        if suffix == ".png":
            assert im.size[0] > 4 * im.size[1]  # five frames side by side
        else:
            assert getattr(im, "n_frames", 1) == 5
            im.load()
            assert im.info.get("duration") == 100  # 10 fps
    assert read_provenance(out)["action"] == "animate"


@pytest.mark.slow  # about a minute on a busy 2-core machine; test_ddp covers DDP itself
def test_ganstudio_train_temporal_under_torchrun(tmp_path: Path) -> None:
    """Two CPU processes (gloo): both critics and G under DDP; rank 0 saves the run."""
    import os
    import socket
    import subprocess
    import sys

    from ganstudio.core import checkpoints

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "run"
    sets = [x for k, v in TINY.items() for x in ("--set", f"{k}={v}")]
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--nproc_per_node=2",
            f"--master_port={port}",
            "--master_addr=127.0.0.1",
            "-m",
            "ganstudio",
            "train",
            "temporal",
            "--data",
            "procedural:face-clips?count=8&frames=4",
            "--out",
            str(out),
            *sets,
            "--steps",
            "2",
            "--batch-size",
            "2",
            "--workers",
            "0",
            "--device",
            "cpu",
        ],
        env={**os.environ, "OMP_NUM_THREADS": "1", "MASTER_ADDR": "127.0.0.1"},
        timeout=240,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    meta = checkpoints.read_metadata(out / "checkpoints" / "latest.safetensors")
    assert meta["step"] == 2 and meta["images_seen"] == 2 * 2 * 2
