"""``ganstudio batch`` end to end, with a tiny drop-in plugin and model file."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from ganstudio import plugins
from ganstudio.cli import main
from ganstudio.core import checkpoints
from ganstudio.core.imaging import read_provenance

PLUGIN = '''
"""A test plugin: a 1×1-conv "tint" (batchable) and a non-batchable "stamp"."""
from dataclasses import dataclass

from ganstudio.core.specs import Action, ActionResult, FloatParam, Variant

GANSTUDIO_API = 1


@dataclass
class TinyConfig:
    channels: int = 3


def _build(cfg):
    import torch

    return {"G": torch.nn.Conv2d(cfg.channels, cfg.channels, 1)}


def _tint(model, params, inputs):
    import numpy as np
    import torch

    rgb = np.asarray(inputs["image"].convert("RGB"), dtype=np.float32)
    x = torch.from_numpy(rgb).permute(2, 0, 1)[None] / 127.5 - 1  # (1, 3, H, W)
    with torch.no_grad():
        y = model.generator(x) * params["gain"]
    return ActionResult(y.clamp(-1, 1))


def ganstudio_variants():
    return [Variant("tinyconv", "Tiny conv", TinyConfig, _build, capabilities=frozenset({"tint"}))]


def ganstudio_actions():
    return [
        Action("tint", "Tint", _tint, params=(FloatParam("gain", 1.0, min=0.0, max=2.0),),
               requires=frozenset({"tint"}), input_kind="image", batchable=True),
        Action("stamp", "Stamp", _tint, requires=frozenset({"tint"}), input_kind="image"),
    ]
'''


@pytest.fixture()
def env(tmp_path, monkeypatch):
    """A GANSTUDIO_HOME, the test plugin on GANSTUDIO_PLUGIN_PATH, and a model file."""
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "batchtest_plugin.py").write_text(PLUGIN)
    monkeypatch.setenv("GANSTUDIO_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("GANSTUDIO_PLUGIN_PATH", str(folder))
    for var in ("RANK", "WORLD_SIZE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(plugins, "_REGISTRY", None)
    model = tmp_path / "tiny.safetensors"
    tensors = {"G.weight": torch.eye(3).flip(0).reshape(3, 3, 1, 1), "G.bias": torch.zeros(3)}
    checkpoints.save_model(
        model,
        tensors,
        {"variant": "tinyconv", "plugin": "batchtest_plugin", "config": {"channels": 3}},
    )
    src = tmp_path / "in"
    src.mkdir()
    rng = np.random.default_rng(0)
    for name in ("a.png", "b.jpg", "sub/c.png"):
        (src / name).parent.mkdir(exist_ok=True)
        Image.fromarray(rng.integers(0, 255, (16, 20, 3), dtype=np.uint8)).save(src / name)
    return model, src, tmp_path


def batch(model: Path, *args: str) -> int:
    return main(["batch", "tint", "--model", str(model), "--no-progress", *args])


def test_cli_batch_end_to_end(env, capsys):
    model, src, tmp = env
    out = tmp / "out"
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in src.rglob("*.*")}
    assert (
        batch(model, str(src), str(out), "--recursive", "--param", "gain=0.5", "--format", "webp")
        == 0
    )
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.webp")) == [
        "a.webp",
        "b.webp",
        "sub/c.webp",
    ]
    prov = read_provenance(out / "sub" / "c.webp")
    assert prov["action"] == "tint" and prov["params"] == {"gain": 0.5}
    assert prov["info"]["source"]["file"] == "sub/c.png"
    with Image.open(src / "a.png") as a, Image.open(out / "a.webp") as b:
        assert b.size == a.size  # the conv swaps R and B, halves the values
    assert "3 done, 0 skipped, 0 failed" in capsys.readouterr().err
    assert (
        batch(
            model,
            str(src),
            str(out),
            "--recursive",
            "--param",
            "gain=0.5",
            "--format",
            "webp",
            "--resume",
        )
        == 0
    )
    saved = json.loads((out / "batch-report.json").read_text())
    assert saved["counts"]["skipped"] == 3 and saved["ok"]
    # other params: --resume redoes every output, since its provenance no longer matches
    assert batch(model, str(src), str(out), "--recursive", "--format", "webp", "--resume") == 0
    saved = json.loads((out / "batch-report.json").read_text())
    assert saved["counts"]["done"] == 3 and len(saved["redone"]) == 3
    assert "redone: sub/c.png: the params changed" in capsys.readouterr().err
    assert read_provenance(out / "sub" / "c.webp")["params"] == {"gain": 1.0}
    assert before == {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in src.rglob("*.*")}


def test_cli_batch_some_failed_exit_code_and_report(env, capsys):
    model, src, tmp = env
    (src / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    report = tmp / "reports" / "r.json"
    assert batch(model, str(src), str(tmp / "out"), "--report", str(report)) == 3
    err = capsys.readouterr().err
    assert "broken.png" in err and "2 done" in err
    saved = json.loads(report.read_text())
    assert [Path(f["file"]).name for f in saved["failed"]] == ["broken.png"]
    assert not saved["ok"] and saved["failed"][0]["reason"]


def test_cli_batch_shard_and_torchrun_env(env, monkeypatch, capsys):
    model, src, tmp = env
    out = tmp / "out"
    for rank in range(2):
        monkeypatch.setenv("RANK", str(rank))
        monkeypatch.setenv("LOCAL_RANK", str(rank))
        monkeypatch.setenv("WORLD_SIZE", "2")
        code = main(["batch", "tint", "--model", str(model), str(src), str(out), "--recursive"])
        assert code == 0
        err = capsys.readouterr().err
        assert f"shard {rank}/2: " in err  # whose summary it is
        assert ("img/s" in err) == (rank == 0)  # one progress bar per machine, not one per rank
    for name in ("RANK", "LOCAL_RANK", "WORLD_SIZE"):
        monkeypatch.delenv(name)
    reports = [json.loads((out / f"batch-report.rank-{r}.json").read_text()) for r in range(2)]
    done = [Path(f).name for r in reports for f in r["done"]]
    assert sorted(done) == ["a.png", "b.jpg", "c.png"]
    assert batch(model, str(src), str(tmp / "o2"), "--shard", "1/2", "--recursive") == 0
    assert (tmp / "o2" / "batch-report.rank-1.json").is_file()


@pytest.mark.parametrize(
    "args, message",
    [
        (["IN", "IN"], "differ"),
        (["IN", "OUT", "--shard", "2/2"], "--shard"),
        (["IN", "OUT", "--param", "gain=9"], "out of range"),
        (["IN", "OUT", "--pattern", "*.tif"], "no images"),
        (["MISSING", "OUT"], "does not exist"),
    ],
)
def test_cli_batch_usage_errors(env, capsys, args, message):
    model, src, tmp = env
    where = {"IN": str(src), "OUT": str(tmp / "out"), "MISSING": str(tmp / "nope")}
    assert batch(model, *[where.get(a, a) for a in args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]


def test_cli_batch_refuses_non_batchable_actions(env, capsys):
    model, src, tmp = env
    code = main(["batch", "stamp", "--model", str(model), str(src), str(tmp / "out")])
    assert code == 2
    assert "cannot run in a batch" in capsys.readouterr().err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFOs")
def test_cli_batch_skips_a_fifo_and_a_device_and_goes_on(env, capsys):
    model, src, tmp = env
    os.mkfifo(src / "pipe.png")
    (src / "zero.png").symlink_to("/dev/zero")
    assert batch(model, str(src), str(tmp / "out")) == 3
    err = capsys.readouterr().err
    assert "2 done, 0 skipped, 2 failed" in err
    assert "failed: pipe.png: not a regular file (a FIFO); only files are read" in err
    assert "failed: zero.png: not a regular file (a character device)" in err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFOs")
def test_cli_run_refuses_a_fifo_input_in_one_line(env, capsys):
    model, src, tmp = env
    os.mkfifo(tmp / "pipe.png")
    code = main(
        [
            "run",
            "tint",
            "--model",
            str(model),
            "--input",
            str(tmp / "pipe.png"),
            "-o",
            str(tmp / "o.png"),
        ]
    )
    err = capsys.readouterr().err.strip()
    assert code == 2 and "not a regular file (a FIFO)" in err and len(err.splitlines()) == 1
