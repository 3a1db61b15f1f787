"""The generic Trainer with the DCGAN routine: resume, cancel, cadence, quality."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from PIL import Image

from ganstudio.core import checkpoints
from ganstudio.core.data.tensors import ImageFolderDataset, ProceduralFacesDataset
from ganstudio.core.metrics import fid
from ganstudio.core.specs import apply_overrides
from ganstudio.core.training import RunFolderError, Trainer, TrainOptions


def make_trainer(
    registry,
    out: Path,
    steps: int,
    resume: bool = False,
    objective: str = "bce",
    dataset=None,
    **opts,
) -> Trainer:
    variant = registry.variant("dcgan")
    config = apply_overrides(
        variant.config(), {"resolution": "32", "width": "8", "z_dim": "16", "objective": objective}
    )
    options = TrainOptions(
        steps=steps,
        batch_size=8,
        device="cpu",
        num_workers=0,
        sample_every=0,
        checkpoint_every=0,
        log_every=1,
        sample_count=4,
        deterministic=True,
        **opts,
    )
    data = dataset if dataset is not None else ProceduralFacesDataset(size=32, count=40, seed=1)
    return Trainer(
        variant,
        config,
        data,
        out,
        options,
        registry.objective(objective).factory(),
        plugin="dcgan",
        data_spec="procedural:faces",
        resume=resume,
    )


def losses_by_step(run: Path) -> dict[int, dict]:
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    return {r["step"]: r for r in rows}


def test_resume_continues_exactly(registry, tmp_path: Path) -> None:
    straight = make_trainer(registry, tmp_path / "a", steps=8)
    straight.options.checkpoint_every = 4  # same cadence as the interrupted run
    straight.run_to_end()
    first = make_trainer(registry, tmp_path / "b", steps=8)
    events = first.run()
    for event in events:
        if event.kind == "step" and event.step == 4:
            first.request_stop()
    resumed = make_trainer(registry, tmp_path / "b", steps=8, resume=True)
    summary = resumed.run_to_end()
    assert summary.steps == 8 and not summary.cancelled
    a, b = losses_by_step(tmp_path / "a"), losses_by_step(tmp_path / "b")
    for step in (5, 6, 7, 8):
        for key in ("loss_d", "loss_g"):
            assert a[step][key] == pytest.approx(b[step][key], abs=1e-6), (step, key)


def test_stop_request_finishes_the_step_and_saves_a_checkpoint(registry, tmp_path: Path) -> None:
    trainer = make_trainer(registry, tmp_path / "run", steps=50)
    seen = []
    trainer.add_listener(lambda ev: seen.append(ev.kind))
    for event in trainer.run():
        if event.kind == "step" and event.step == 3:
            trainer.request_stop()
    assert seen[-2:] == ["checkpoint", "stopped"]
    latest = tmp_path / "run" / "checkpoints" / "latest.safetensors"
    assert checkpoints.read_metadata(latest)["step"] == 3
    assert (tmp_path / "run" / "state.pt").exists()


def test_cancel_runs_no_further_step_and_keeps_only_the_periodic_checkpoint(
    registry, tmp_path: Path
) -> None:
    trainer = make_trainer(registry, tmp_path / "run", steps=50)
    trainer.options.checkpoint_every = 2
    steps = []
    for event in trainer.run():
        if event.kind == "step":
            steps.append(event.step)
            if event.step == 3:
                trainer.cancel()
    assert steps == [1, 2, 3] and event.kind == "cancelled"
    latest = tmp_path / "run" / "checkpoints" / "latest.safetensors"
    assert checkpoints.read_metadata(latest)["step"] == 2  # step 3 was discarded


def test_a_job_stop_request_reaches_the_trainer_through_one_signal(
    registry, tmp_path: Path
) -> None:
    from ganstudio.core.jobs import Job, JobStatus
    from ganstudio.core.specs import Progress

    trainer = make_trainer(registry, tmp_path / "run", steps=50)

    def work(job: Job):
        trainer.control = job.control  # what services.training does for the GUI's jobs
        return trainer.run()

    job = Job("train", work, stoppable=True)
    for event in job.events():
        assert isinstance(event, Progress)  # one event type for every job
        if event.kind == "step" and event.step == 2:
            job.request_stop()
    assert job.status == JobStatus.STOPPED and job.result.steps == 2
    latest = tmp_path / "run" / "checkpoints" / "latest.safetensors"
    assert checkpoints.read_metadata(latest)["step"] == 2


def test_run_folder_is_never_overwritten(registry, tmp_path: Path) -> None:
    make_trainer(registry, tmp_path / "run", steps=1).run_to_end()
    with pytest.raises(RunFolderError, match="--resume"):
        make_trainer(registry, tmp_path / "run", steps=1)
    with pytest.raises(RunFolderError, match="nothing to resume"):
        make_trainer(registry, tmp_path / "fresh", steps=1, resume=True).run_to_end()


def test_cadence_writes_samples_checkpoints_and_metrics(registry, tmp_path: Path) -> None:
    trainer = make_trainer(registry, tmp_path / "run", steps=6, keep_last=1)
    trainer.options.sample_every = 3
    trainer.options.checkpoint_every = 2
    trainer.run_to_end()
    run = tmp_path / "run"
    assert sorted(p.name for p in (run / "samples").iterdir()) == [
        "step_0000003.png",
        "step_0000006.png",
    ]
    assert sorted(p.name for p in (run / "checkpoints").iterdir()) == [
        "latest.safetensors",
        "step_0000006.safetensors",
    ]
    rows = losses_by_step(run)
    assert sorted(rows) == [1, 2, 3, 4, 5, 6] and rows[6]["img_per_s"] > 0
    meta = checkpoints.read_metadata(run / "checkpoints" / "latest.safetensors")
    assert meta["variant"] == "dcgan" and meta["config"]["resolution"] == 32
    roles = {
        k.split(".")[0]
        for k in checkpoints.tensor_names(run / "checkpoints" / "latest.safetensors")
    }
    assert roles == {"G", "D", "G_ema"}


@pytest.mark.parametrize("objective", ["lsgan", "wgan-gp", "hinge"])
def test_objectives_train(registry, tmp_path: Path, objective: str) -> None:
    summary = make_trainer(
        registry, tmp_path / objective, steps=2, objective=objective
    ).run_to_end()
    assert all(torch.isfinite(torch.tensor(v)) for v in summary.losses.values())
    if objective == "wgan-gp":
        assert summary.losses["penalty"] > 0


def test_bad_files_in_a_folder_are_skipped_and_logged(registry, tmp_path: Path) -> None:
    data = tmp_path / "photos"
    (data / "sub").mkdir(parents=True)
    for i in range(6):
        Image.new("RGB", (40, 50), (40 * i, 90, 200)).save(data / "sub" / f"ok{i}.jpg")
    (data / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    (data / "empty.jpg").write_bytes(b"")
    dataset = ImageFolderDataset(data, size=32)
    assert len(dataset) == 6
    trainer = make_trainer(registry, tmp_path / "run", steps=1, dataset=dataset)
    trainer.run_to_end()
    log = (tmp_path / "run" / "train.log").read_text()
    assert "broken.png" in log and "empty.jpg" in log


# slow: 250 real steps; that the Trainer learns is covered fast by test_srgan_train.py
# (the pixel loss falls) and test_infogan.py (codes become readable)
@pytest.mark.slow
def test_training_measurably_improves_samples(registry, tmp_path: Path) -> None:
    """Fréchet distance to real faces (pixel features) must fall well below its start."""
    torch.manual_seed(0)
    real = torch.stack(
        [ProceduralFacesDataset(size=32, count=256, seed=5)[i]["image"] for i in range(256)]
    )
    variant = registry.variant("dcgan")
    config = apply_overrides(
        variant.config(), {"resolution": "32", "width": "16", "z_dim": "32", "lr": "5e-4"}
    )
    options = TrainOptions(
        steps=250,
        batch_size=32,
        device="cpu",
        num_workers=0,
        sample_every=0,
        checkpoint_every=0,
        ema_decay=0.99,
    )
    trainer = Trainer(
        variant,
        config,
        ProceduralFacesDataset(size=32, count=512, seed=2),
        tmp_path / "run",
        options,
        registry.objective("bce").factory(),
    )
    untrained = variant.build(config)["G"].eval()
    with torch.no_grad():
        before = fid(real, untrained(torch.randn(256, 32)))
    trainer.run_to_end()
    from ganstudio.core.models import load_model

    model = load_model(tmp_path / "run" / "checkpoints" / "latest.safetensors", registry)
    with torch.no_grad():
        after = fid(real, model.generator(torch.randn(256, 32)))
    assert after < 0.7 * before, (before, after)
