"""Model files: round trip, atomic writes, strict keys, refusal of pickled code."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
import torch
from torch import nn

from ganstudio.core import checkpoints
from ganstudio.core.checkpoints import CheckpointError


def test_round_trip_keeps_tensors_and_metadata(tmp_path: Path) -> None:
    tensors = {"G.w": torch.randn(3, 4), "directions.smile": torch.randn(8)}
    path = checkpoints.save_model(
        tmp_path / "m.safetensors", tensors, {"variant": "dcgan", "config": {"a": 1}}
    )
    loaded, meta = checkpoints.load_model_file(path)
    assert torch.equal(loaded["G.w"], tensors["G.w"])
    assert meta["variant"] == "dcgan" and meta["config"] == {"a": 1}
    assert meta["format"] == checkpoints.FORMAT_VERSION
    assert checkpoints.tensor_names(path) == {"G.w": [3, 4], "directions.smile": [8]}


def test_failed_write_leaves_the_old_file_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = checkpoints.save_model(
        tmp_path / "m.safetensors", {"G.w": torch.ones(2)}, {"variant": "x"}
    )
    before = path.read_bytes()

    def explode(*args, **kwargs):
        Path(args[1]).write_bytes(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(checkpoints, "save_file", explode)
    with pytest.raises(OSError):
        checkpoints.save_model(path, {"G.w": torch.zeros(2)}, {"variant": "x"})
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.safetensors"]


class _Evil:
    def __reduce__(self):
        import os

        return (os.system, ("touch pwned_marker",))


def test_pickled_code_is_refused_and_never_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    evil = tmp_path / "evil.pth"
    with open(evil, "wb") as fh:
        pickle.dump({"main.0.weight": _Evil()}, fh)
    with pytest.raises(CheckpointError, match="refused"):
        checkpoints.load_foreign(evil)
    assert not (tmp_path / "pwned_marker").exists()


def test_plain_state_dict_loads(tmp_path: Path) -> None:
    path = tmp_path / "ok.pth"
    torch.save(nn.Linear(2, 3).state_dict(), path)
    state = checkpoints.load_foreign(path)
    assert set(state) == {"weight", "bias"}


def test_strict_load_names_the_first_mismatch() -> None:
    module = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    good = module.state_dict()
    missing = {k: v for k, v in good.items() if k != "2.bias"}
    with pytest.raises(CheckpointError, match=r"missing key '2.bias' \(shape \[1\]\)"):
        checkpoints.load_strict(module, missing, "m [G]")
    extra = {**good, "9.weight": torch.zeros(4, 4)}
    with pytest.raises(CheckpointError, match=r"unexpected key '9.weight' \(shape \[4, 4\]\)"):
        checkpoints.load_strict(module, extra, "m [G]")
    wrong = {**good, "0.weight": torch.zeros(5, 2)}
    with pytest.raises(
        CheckpointError, match=r"'0.weight' has shape \[5, 2\], the model expects \[3, 2\]"
    ):
        checkpoints.load_strict(module, wrong, "m [G]")


def test_non_model_files_are_clear_errors(tmp_path: Path) -> None:
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"\x00" * 20)
    with pytest.raises(CheckpointError, match="not a .safetensors model file"):
        checkpoints.read_metadata(junk)
    with pytest.raises(CheckpointError, match="no such file"):
        checkpoints.read_metadata(tmp_path / "missing.safetensors")
    from safetensors.torch import save_file

    save_file({"x": torch.zeros(1)}, str(tmp_path / "foreign.safetensors"))
    with pytest.raises(CheckpointError, match="not a GAN Studio model"):
        checkpoints.read_metadata(tmp_path / "foreign.safetensors")


def test_latest_pointer_and_keep_last(tmp_path: Path) -> None:
    for step in (10, 20, 30, 40):
        ckpt = checkpoints.save_model(
            tmp_path / f"step_{step:07d}.safetensors",
            {"G.w": torch.full((1,), float(step))},
            {"variant": "x"},
        )
        checkpoints.publish_latest(ckpt, keep_last=2)
    names = sorted(p.name for p in tmp_path.glob("*.safetensors"))
    assert names == ["latest.safetensors", "step_0000030.safetensors", "step_0000040.safetensors"]
    latest, _ = checkpoints.load_model_file(tmp_path / "latest.safetensors")
    assert latest["G.w"].item() == 40


def test_add_tensors_keeps_existing_roles(tmp_path: Path) -> None:
    path = checkpoints.save_model(
        tmp_path / "m.safetensors", {"G.w": torch.ones(2)}, {"variant": "x"}
    )
    checkpoints.add_tensors(path, {"directions.smile": torch.ones(3)})
    tensors, meta = checkpoints.load_model_file(path)
    assert set(tensors) == {"G.w", "directions.smile"} and meta["variant"] == "x"
