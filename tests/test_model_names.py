"""``--model NAME``: bundled demos, the user's models and runs are found without a path."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from PIL import Image

from ganstudio.cli import main
from ganstudio.core.model_files import BUNDLED_DIR, UnknownModelError, resolve_model

DEMO = BUNDLED_DIR / "sr-compact-x2.safetensors"


def test_a_bundled_demo_is_found_by_name_and_a_path_always_wins(
    isolated_home, tmp_path, monkeypatch
) -> None:
    assert resolve_model("sr-compact-x2") == DEMO
    # the user's own model of the same name shadows the bundled one
    mine = isolated_home / "models" / "sr-compact-x2.safetensors"
    mine.parent.mkdir(parents=True)
    shutil.copy(DEMO, mine)
    assert resolve_model("sr-compact-x2") == mine
    # an existing file named like a model is taken as the file
    monkeypatch.chdir(tmp_path)
    Path("sr-compact-x2").write_bytes(DEMO.read_bytes())
    assert resolve_model("sr-compact-x2") == Path("sr-compact-x2")


def test_a_training_run_is_found_by_its_folder_name(isolated_home) -> None:
    ckpt = isolated_home / "runs" / "faces-64" / "checkpoints" / "latest.safetensors"
    ckpt.parent.mkdir(parents=True)
    shutil.copy(DEMO, ckpt)
    assert resolve_model("faces-64") == ckpt


def test_unknown_names_list_what_exists_and_paths_say_no_such_file() -> None:
    with pytest.raises(UnknownModelError, match="names: .*sr-compact-x2.*'ganstudio models'"):
        resolve_model("sr-compct-x2")
    with pytest.raises(UnknownModelError, match="no such file"):
        resolve_model("elsewhere/sr-compact-x2")
    with pytest.raises(UnknownModelError, match="no such file"):
        resolve_model("missing.safetensors")


def test_models_command_lists_names_the_other_commands_accept(capsys, tmp_path) -> None:
    assert main(["models", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    demo = next(r for r in rows if r["name"] == "sr-compact-x2")
    assert demo["source"] == "bundled" and demo["variant"] == "srvgg"
    assert main(["info", "sr-compact-x2"]) == 0
    assert "variant: srvgg" in capsys.readouterr().out
    Image.new("RGB", (12, 10), (90, 30, 200)).save(tmp_path / "in.png")
    code = main(
        [
            "run",
            "super-resolve",
            "--model",
            "sr-compact-x2",
            "--input",
            str(tmp_path / "in.png"),
            "-o",
            str(tmp_path / "out.png"),
        ]
    )
    assert code == 0, capsys.readouterr().err
    with Image.open(tmp_path / "out.png") as im:
        assert im.size == (24, 20)


def test_fitting_directions_never_rewrites_a_bundled_demo(capsys) -> None:
    before = (BUNDLED_DIR / "stylegan-faces-32.safetensors").read_bytes()
    code = main(["directions", "fit", "--model", "stylegan-faces-32", "--param", "method=pca"])
    assert code == 2 and "-o" in capsys.readouterr().err
    assert (BUNDLED_DIR / "stylegan-faces-32.safetensors").read_bytes() == before
