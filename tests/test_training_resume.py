"""Resuming damaged or stranded training runs (issue #12, items 17 and 18): a run killed
before its first checkpoint resumes from step 0; a damaged state.pt or latest checkpoint
falls back and says so; a damaged config.json is one line and exit 2."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ganstudio.cli import main
from ganstudio.core.training import RunFolderError
from ganstudio.services.training import prepare_training

TINY = ["--set", "resolution=32", "--set", "width=8", "--set", "z_dim=16"]
COMMON = [
    "--batch-size",
    "4",
    "--workers",
    "0",
    "--no-progress",
    "--device",
    "cpu",
    "--sample-every",
    "0",
]


def train(capsys, out: Path, *args: str) -> tuple[int, str, str]:
    code = main(["train", "dcgan", "--out", str(out), *COMMON, *args])
    stdout, stderr = capsys.readouterr()
    return code, stdout, stderr


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory):
    """Finished tiny runs, trained once per (steps, checkpoint cadence) for the module."""
    return {}, tmp_path_factory


def new_run(capsys, out: Path, steps: int, every: int = 0, made=None) -> None:
    """A finished run of ``steps`` in ``out`` (a copy of one trained once per module)."""
    cache, factory = made if made is not None else ({}, None)
    key = (steps, every)
    if key not in cache:
        base = (factory.mktemp("base") if factory else out.parent / "base") / "run"
        code, _, _ = train(
            capsys,
            base,
            "--data",
            "procedural:faces?count=8",
            *TINY,
            "--steps",
            str(steps),
            "--checkpoint-every",
            str(every),
        )
        assert code == 0
        cache[key] = base
    shutil.copytree(cache[key], out)
    capsys.readouterr()


def killed_before_first_checkpoint(registry, out: Path) -> None:
    """Start a run and stop it the way kill -9 would: no checkpoint, no state.pt."""
    prepared = prepare_training(
        registry,
        "dcgan",
        out,
        data="procedural:faces?count=8",
        config={"resolution": 32, "width": 8, "z_dim": 16},
        options={
            "steps": 50,
            "batch_size": 4,
            "num_workers": 0,
            "sample_every": 0,
            "checkpoint_every": 0,
            "device": "cpu",
        },
    )
    run = prepared.trainer.run()
    for event in run:
        if event.kind == "step" and event.step == 2:
            break
    run.close()  # GeneratorExit at a yield: nothing more is written
    assert (out / "config.json").is_file() and not (out / "state.pt").exists()


def test_a_run_killed_before_its_first_checkpoint_resumes_from_step_0(registry, capsys, tmp_path):
    out = tmp_path / "run"
    killed_before_first_checkpoint(registry, out)
    code, stdout, stderr = train(capsys, out, "--resume", "--steps", "2")
    assert code == 0, stderr
    assert "no checkpoint yet (stopped before the first one): starting from step 0" in stderr
    assert "done at step 2" in stdout
    saved = json.loads((out / "config.json").read_text())
    assert saved["config"]["width"] == 8  # the saved config, not the defaults


def test_the_gui_restart_resumes_a_run_killed_before_its_first_checkpoint(registry, tmp_path):
    from ganstudio.gui.tasks import TrainSpec, train_job

    out = tmp_path / "run"
    killed_before_first_checkpoint(registry, out)
    spec = TrainSpec(
        "dcgan",
        "procedural:faces?count=8",
        str(out),
        {"width": 8},
        {"steps": 2, "batch_size": 4, "num_workers": 0, "sample_every": 0, "device": "cpu"},
        resume=True,
    )
    job = train_job(registry, spec)
    job.run()
    assert job.status.value == "done", job.error
    assert job.result.steps == 2


def test_a_gui_resume_checks_the_variant_like_the_cli(registry, tmp_path):
    from ganstudio.gui.tasks import TrainSpec, train_job

    out = tmp_path / "run"
    killed_before_first_checkpoint(registry, out)
    spec = TrainSpec("srgan", "procedural:faces?count=8", str(out), {}, {}, resume=True)
    job = train_job(registry, spec)
    job.run()
    assert job.status.value == "failed" and "is a dcgan run, not srgan" in job.error


def test_a_damaged_state_file_resumes_from_the_checkpoint_and_says_so(made, capsys, tmp_path):
    out = tmp_path / "run"
    new_run(capsys, out, steps=4, every=2, made=made)
    (out / "state.pt").write_bytes(b"\x80\x02garbage")
    code, stdout, stderr = train(capsys, out, "--resume", "--steps", "6")
    assert code == 0, stderr
    assert "state.pt is damaged" in stderr and "optimizer state" in stderr
    assert "done at step 6" in stdout


def test_a_damaged_latest_checkpoint_falls_back_to_the_previous_one(made, capsys, tmp_path):
    out = tmp_path / "run"
    new_run(capsys, out, steps=4, every=2, made=made)
    ckpts = out / "checkpoints"
    latest = ckpts / "step_0000004.safetensors"
    (ckpts / "latest.safetensors").unlink()  # a hard link to step 4: damage both
    latest.write_bytes(latest.read_bytes()[:100])
    code, stdout, stderr = train(capsys, out, "--resume", "--steps", "6")
    assert code == 0, stderr
    assert "step_0000004.safetensors is damaged" in stderr
    assert "resuming from step_0000002.safetensors (step 2), the previous kept checkpoint" in stderr
    assert "done at step 6" in stdout


@pytest.mark.parametrize(
    "damage",
    [
        "{not json",
        "[1, 2]",
        '{"variant": 3, "config": {}}',
        '{"variant": "dcgan", "config": {}, "options": {"steps": "many"}}',
    ],
)
def test_a_damaged_config_is_one_line_and_exit_2(capsys, tmp_path, damage):
    out = tmp_path / "run"
    out.mkdir()
    (out / "config.json").write_text(damage)
    code, _, stderr = train(capsys, out, "--resume")
    assert code == 2
    assert stderr.strip().count("\n") == 0 and "config.json is damaged" in stderr


def test_every_checkpoint_damaged_is_one_line(made, capsys, tmp_path):
    out = tmp_path / "run"
    new_run(capsys, out, steps=2, every=0, made=made)
    for path in (out / "checkpoints").iterdir():
        path.write_bytes(b"junk")
    (out / "state.pt").write_bytes(b"junk")
    code, _, stderr = train(capsys, out, "--resume", "--steps", "4")
    assert code == 2 and "cannot resume" in stderr and stderr.strip().count("\n") == 0


def test_resume_of_an_empty_folder_is_refused(registry, tmp_path):
    with pytest.raises(RunFolderError, match="not a training run"):
        prepare_training(registry, "dcgan", tmp_path / "nothing", resume=True)


def test_a_missing_state_file_resumes_the_weights_and_says_so(made, capsys, tmp_path):
    out = tmp_path / "run"
    new_run(capsys, out, steps=2, made=made)
    (out / "state.pt").unlink()
    code, stdout, stderr = train(capsys, out, "--resume", "--steps", "4")
    assert code == 0 and "no state.pt: the optimizer state starts afresh" in stderr
    assert "done at step 4" in stdout


def test_a_state_file_that_does_not_fit_the_run_starts_the_optimizer_afresh(made, capsys, tmp_path):
    import torch

    out = tmp_path / "run"
    new_run(capsys, out, steps=2, made=made)
    state = torch.load(out / "state.pt", weights_only=True)
    state["routine"] = {"opt_g": {"state": "nonsense"}}  # unpickles, but fits nothing
    torch.save(state, out / "state.pt")
    code, stdout, stderr = train(capsys, out, "--resume", "--steps", "4")
    assert code == 0, stderr
    assert "state.pt does not fit this run" in stderr and "done at step 4" in stdout
