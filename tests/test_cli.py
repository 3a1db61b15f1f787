"""The ganstudio command: happy paths end to end, and every user mistake as one line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn

from ganstudio.cli import main

REPO = Path(__file__).resolve().parent.parent
TINY = ["--set", "resolution=32", "--set", "width=8", "--set", "z_dim=16"]


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def model_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run = tmp_path_factory.mktemp("runs") / "tiny"
    code = main(
        [
            "train",
            "dcgan",
            "--data",
            "procedural:faces?count=32",
            "--out",
            str(run),
            *TINY,
            "--steps",
            "3",
            "--batch-size",
            "8",
            "--workers",
            "0",
            "--no-progress",
            "--device",
            "cpu",
        ]
    )
    assert code == 0
    return run / "checkpoints" / "latest.safetensors"


def test_train_then_resume(capsys, tmp_path: Path) -> None:
    run = tmp_path / "run"
    base = [
        "train",
        "dcgan",
        "--data",
        "procedural:faces?count=16",
        "--out",
        str(run),
        "--batch-size",
        "8",
        "--workers",
        "0",
        "--no-progress",
        "--sample-every",
        "2",
    ]
    code, out, _ = cli(capsys, *base, *TINY, "--steps", "2")
    assert code == 0 and "done at step 2" in out
    code, out, _ = cli(
        capsys,
        "train",
        "dcgan",
        "--out",
        str(run),
        "--resume",
        "--steps",
        "4",
        "--no-progress",
        "--workers",
        "0",
    )
    assert code == 0 and "done at step 4" in out
    steps = [json.loads(line)["step"] for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert steps[-1] == 4
    assert (run / "samples" / "step_0000004.png").exists()


def test_generate_grid_interpolate_gif_and_info(capsys, model_file: Path, tmp_path: Path) -> None:
    grid = tmp_path / "grid.png"
    code, _, _ = cli(
        capsys,
        "run",
        "generate",
        "--model",
        str(model_file),
        "--param",
        "seed=7",
        "--param",
        "count=16",
        "-o",
        str(grid),
    )
    assert code == 0
    with Image.open(grid) as im:
        assert im.size == (4 * 32 + 5 * 2, 4 * 32 + 5 * 2)
    code, out, _ = cli(capsys, "info", str(grid))
    assert code == 0 and "action: generate" in out and "seed = 7" in out and "count = 16" in out
    gif = tmp_path / "walk.gif"
    code, _, _ = cli(
        capsys,
        "run",
        "interpolate",
        "--model",
        str(model_file),
        "--param",
        "frames=5",
        "-o",
        str(gif),
    )
    with Image.open(gif) as im:
        assert code == 0 and im.n_frames == 5
    code, out, _ = cli(capsys, "info", str(model_file))
    assert code == 0 and "variant: dcgan" in out and "G_ema:" in out and "resolution = 32" in out


def test_same_seed_same_image(capsys, model_file: Path, tmp_path: Path) -> None:
    """Image i of a batch uses seed + i: the 3rd of a grid equals seed+2 alone."""
    for name, args in (("a.png", ["seed=5", "count=3"]), ("b.png", ["seed=7", "count=1"])):
        cli(
            capsys,
            "run",
            "generate",
            "--model",
            str(model_file),
            "--param",
            args[0],
            "--param",
            args[1],
            "-o",
            str(tmp_path / name),
        )
    with Image.open(tmp_path / "a.png") as a, Image.open(tmp_path / "b.png") as b:
        third = a.crop((2, 2 + 34, 2 + 32, 2 + 34 + 32))  # 2 columns: row 1, column 0
        assert np.array_equal(np.asarray(third), np.asarray(b))


class ExamplesGenerator(nn.Module):
    """pytorch/examples dcgan/main.py's Generator, layer for layer (ngpu dropped)."""

    def __init__(self, nz: int = 100, ngf: int = 64, nc: int = 3) -> None:
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 8, 4, 1, 0, bias=False),
            nn.BatchNorm2d(ngf * 8),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf * 4),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf * 2),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False),
            nn.Tanh(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.main(x)


def test_import_examples_netg_generates_exactly_the_same(capsys, tmp_path: Path) -> None:
    torch.manual_seed(3)
    ref = ExamplesGenerator(nz=20, ngf=8)
    for m in ref.modules():  # non-trivial batchnorm statistics
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
    ref.eval()
    torch.save(ref.state_dict(), tmp_path / "netG.pth")
    out = tmp_path / "model.safetensors"
    code, _, err = cli(
        capsys, "import", "dcgan-examples", str(tmp_path / "netG.pth"), "-o", str(out)
    )
    assert code == 0, err
    from ganstudio import plugins
    from ganstudio.core.models import load_model

    model = load_model(out, plugins.get_registry())
    z = torch.randn(6, 20, 1, 1)
    with torch.no_grad():
        assert torch.equal(model.generator(z.view(6, 20)), ref(z))
    # and recognised without naming the format
    code, _, _ = cli(
        capsys, "import", str(tmp_path / "netG.pth"), "-o", str(tmp_path / "m2.safetensors")
    )
    assert code == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "generate", "--model", "missing.safetensors", "-o", "x.png"], "no such file"),
        (["train", "nope", "--data", "procedural:faces", "--out", "r"], "unknown variant 'nope'"),
        (
            ["train", "dcgan", "--data", "procedural:cats", "--out", "r"],
            "unknown procedural set 'cats'",
        ),
        (["train", "dcgan", "--data", "/no/such/folder", "--out", "r"], "no such folder"),
        (
            [
                "train",
                "dcgan",
                "--data",
                "procedural:faces",
                "--out",
                "r",
                "--set",
                "resolution=48",
            ],
            "power of two",
        ),
        (
            ["train", "dcgan", "--data", "procedural:faces", "--out", "r", "--set", "colour=1"],
            "unknown config key 'colour'",
        ),
        (
            ["train", "dcgan", "--data", "procedural:faces", "--out", "r", "--device", "cuda:3"],
            "device 'cuda:3'",
        ),
        (["info", "nothing.png"], "no such file"),
        (["plugins", "disable", "ghost"], "no plugin named 'ghost'"),
        (["import", "dcgan-examples", "missing.pth", "-o", "x.safetensors"], "no such file"),
        (["run", "generate", "-o", "x.png"], "needs --model"),
    ],
)
def test_user_mistakes_are_one_line(capsys, tmp_path: Path, monkeypatch, args, message) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = cli(capsys, *args)
    assert code == 2
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err


def test_model_specific_mistakes(capsys, model_file: Path, tmp_path: Path) -> None:
    base = ["run", "generate", "--model", str(model_file)]
    for extra, message in (
        (["--param", "count=0", "-o", "x.png"], "out of range"),
        (["--param", "bogus=1", "-o", "x.png"], "unknown parameter 'bogus'"),
        (["-o", str(tmp_path / "x.bmp")], "use one of"),
    ):
        code, _, err = cli(capsys, *base, *extra)
        assert code == 2 and message in err, err
    code, _, err = cli(capsys, "run", "super-zoom", "--model", str(model_file), "-o", "x.png")
    assert code == 2 and "super-zoom" in err
    junk = tmp_path / "junk.pth"
    junk.write_bytes(b"not a checkpoint")
    code, _, err = cli(capsys, "import", str(junk), "-o", str(tmp_path / "j.safetensors"))
    assert code == 2 and "refused" in err
    # a foreign file that is a plain state dict of some other network
    torch.save(nn.Linear(3, 3).state_dict(), tmp_path / "other.pth")
    code, _, err = cli(
        capsys, "import", str(tmp_path / "other.pth"), "-o", str(tmp_path / "o.safetensors")
    )
    assert code == 2 and "format not recognised" in err
    code, _, err = cli(
        capsys, "run", "generate", "--model", str(tmp_path / "other.pth"), "-o", "x.png"
    )
    assert code == 2 and "not a .safetensors model file" in err


def test_existing_run_folder_is_protected(capsys, model_file: Path) -> None:
    run = model_file.parent.parent
    code, _, err = cli(capsys, "train", "dcgan", "--data", "procedural:faces", "--out", str(run))
    assert code == 2 and "--resume" in err


def test_help_everywhere(capsys) -> None:
    for command in ("plugins", "models", "train", "run", "info", "import", "batch", "directions"):
        with pytest.raises(SystemExit) as exit_info:
            main([command, "--help"])
        assert exit_info.value.code == 0
        assert "usage: ganstudio" in capsys.readouterr().out


def test_run_image_action_keeps_alpha(capsys, tmp_path: Path) -> None:
    """--input goes through the same reader as batch: alpha (and ICC, 16-bit) survive."""
    model = REPO / "resources/models/sr-compact-x2.safetensors"
    Image.new("RGBA", (20, 12), (200, 20, 20, 100)).save(tmp_path / "in.png")
    code, _, err = cli(
        capsys,
        "run",
        "super-resolve",
        "--model",
        str(model),
        "--input",
        str(tmp_path / "in.png"),
        "-o",
        str(tmp_path / "out.png"),
    )
    assert code == 0, err
    with Image.open(tmp_path / "out.png") as im:
        assert im.mode == "RGBA" and im.size == (40, 24)
        assert im.getchannel("A").getextrema() == (100, 100)
    code, _, err = cli(capsys, "run", "super-resolve", "--model", str(model), "-o", "x.png")
    assert code == 2 and "needs --input" in err


def test_latents_round_trip_into_a_layer_param(capsys, tmp_path: Path) -> None:
    """generate --latents saves what style-mix's source_a reads back."""
    model = REPO / "resources/models/stylegan-faces-32.safetensors"
    base = ["run", "--model", str(model)]
    code, _, err = cli(
        capsys,
        "run",
        "generate",
        "--model",
        str(model),
        "--param",
        "seed=3",
        "-o",
        str(tmp_path / "a.png"),
        "--latents",
        str(tmp_path / "a.npz"),
    )
    assert code == 0, err
    for name, params in (
        ("m1.png", ["source_a=" + str(tmp_path / "a.npz"), "seed_a=50"]),
        ("m2.png", ["seed_a=3"]),
    ):
        args = [x for p in params for x in ("--param", p)]
        code, _, err = cli(
            capsys,
            *base[:1],
            "style-mix",
            *base[1:],
            *args,
            "--param",
            "seed_b=4",
            "-o",
            str(tmp_path / name),
        )
        assert code == 0, err
    with Image.open(tmp_path / "m1.png") as a, Image.open(tmp_path / "m2.png") as b:
        assert np.array_equal(np.asarray(a), np.asarray(b))
    code, _, err = cli(
        capsys,
        "run",
        "style-mix",
        "--model",
        str(model),
        "--param",
        f"source_a={tmp_path / 'a.png'}",
        "-o",
        str(tmp_path / "x.png"),
    )
    assert code == 2 and ".npz" in err


def test_slow_actions_show_their_stage_and_notes_on_the_terminal(capsys) -> None:
    from ganstudio.commands._common import action_progress
    from ganstudio.core.specs import Progress

    events = [
        Progress(0, 2, "tile 1/2", fraction=0.5),
        Progress(message="out of memory with 512-px tiles; retrying with 256"),
        Progress(1, 2, "tile 2/2", fraction=1.0),
    ]
    with action_progress(delay=0) as update:
        for event in events:
            update(event)
    err = capsys.readouterr().err
    assert "tile 1/2  50%|" in err  # the stage and how far (redrawn after the note)
    assert "retrying with 256\n" in err  # a note is a line of its own
    with action_progress(show=False, delay=0) as update:  # --no-progress
        for event in events:
            update(event)
    err = capsys.readouterr().err
    assert "%" not in err and "retrying with 256" in err
