"""Metrics at a cadence in the Trainer, and a routine's optional status() in its events."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from ganstudio.cli import main
from ganstudio.core.data.tensors import ProceduralFacesDataset
from ganstudio.core.sources import make_objective
from ganstudio.core.specs import apply_overrides
from ganstudio.core.training import Trainer, TrainOptions

TINY = {"resolution": "32", "width": "8", "z_dim": "16"}


class WithStatus:
    """A routine that reports where it is (as ProGAN reports resolution and fade-in)."""

    def __init__(self, inner: Any, broken: bool = False) -> None:
        self.inner, self.broken, self.steps = inner, broken, 0

    def step(self, batch):
        self.steps += 1
        return self.inner.step(batch)

    def samples(self, n, seed):
        return self.inner.samples(n, seed)

    def state_dict(self):
        return self.inner.state_dict()

    def load_state_dict(self, state):
        self.inner.load_state_dict(state)

    def status(self) -> dict[str, float | int | str]:
        if self.broken:
            raise RuntimeError("a plugin bug")
        return {"resolution": 16, "fade-in α": self.steps / 4, "phase": "fade"}


def trainer(registry, out: Path, broken: bool = False, **options: Any) -> Trainer:
    base = registry.variant("dcgan")
    variant = dataclasses.replace(
        base, routine=lambda *args: WithStatus(base.routine(*args), broken)
    )
    config = apply_overrides(base.config(), dict(TINY))
    opts = TrainOptions(
        steps=4,
        batch_size=8,
        device="cpu",
        num_workers=0,
        sample_every=0,
        checkpoint_every=0,
        log_every=1,
        ema_decay=0.0,
        **options,
    )
    data = ProceduralFacesDataset(32, 24)
    objective = make_objective(registry, config)
    return Trainer(
        variant, config, data, out, opts, objective, data_spec="procedural:faces?count=24"
    )


def test_metrics_are_measured_at_the_cadence_and_logged(registry, tmp_path) -> None:
    t = trainer(registry, tmp_path / "run", metrics="fid,is", metrics_every=2, metrics_count=12)
    events = list(t.run())
    measured = [e for e in events if e.kind == "metrics"]
    assert [e.step for e in measured] == [2, 4]
    assert all(set(e.metrics) == {"fid", "is", "is_std"} for e in measured)
    assert all(e.metrics["fid"] > 0 for e in measured)
    rows = [json.loads(x) for x in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows if "fid" in r] == [2, 4]
    assert "metrics at step 4" in (tmp_path / "run" / "train.log").read_text()


def test_the_routine_status_reaches_the_step_events(registry, tmp_path) -> None:
    steps = [e for e in trainer(registry, tmp_path / "run").run() if e.kind == "step"]
    assert steps[0].status == {"resolution": 16, "fade-in α": 0.25, "phase": "fade"}
    assert steps[-1].status["fade-in α"] == 1.0


def test_a_broken_status_never_stops_training(registry, tmp_path) -> None:
    events = list(trainer(registry, tmp_path / "run", broken=True).run())
    assert events[-1].kind == "done"
    assert all(e.status == {} for e in events)


def test_train_command_takes_metrics_options(tmp_path, capsys) -> None:
    argv = ["train", "dcgan", "--data", "procedural:faces?count=16", "--steps", "2"]
    argv += ["--batch-size", "8", "--workers", "0", "--no-progress"]
    argv += [f"--set={k}={v}" for k, v in TINY.items()]
    out = tmp_path / "run"
    code = main(
        [
            *argv,
            "--out",
            str(out),
            "--metrics",
            "kid",
            "--metrics-every",
            "2",
            "--metrics-count",
            "8",
        ]
    )
    assert code == 0, capsys.readouterr().err
    rows = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]
    assert any("kid" in r for r in rows)
    assert main([*argv, "--out", str(tmp_path / "bad"), "--metrics", "sharpness"]) == 2
    assert "unknown metric 'sharpness'" in capsys.readouterr().err
