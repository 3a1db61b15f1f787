"""Hostile and damaged inputs (issue 12): one line on stderr and exit 2, never a traceback.

Every case makes its file in a temp folder, runs the command in-process
through the CLI's ``main(argv)`` and asserts the exit code and the one line.
"""

from __future__ import annotations

import argparse
import errno
import json
import pickle
import struct
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from PIL import Image, PngImagePlugin

from ganstudio.cli import main
from ganstudio.core.model_files import BUNDLED_DIR

SMALL = BUNDLED_DIR / "stylegan-faces-32.safetensors"


def one_line(capsys: pytest.CaptureFixture[str], argv: list[str], code: int = 2) -> str:
    """Run the CLI; assert its exit code and that stderr is exactly one error line."""
    got = main(argv)
    out, err = capsys.readouterr()
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert got == code, (got, out, err)
    assert len(lines) == 1, err
    assert "Traceback" not in err and "\x1b" not in err
    return lines[0]


def safetensors(header: bytes | object, data: bytes = b"") -> bytes:
    raw = header if isinstance(header, bytes) else json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + data


def model_bytes(meta: object, raw_meta: str | None = None) -> bytes:
    """A tensor-less .safetensors whose GAN Studio metadata is ``meta`` (or raw text)."""
    text = raw_meta if raw_meta is not None else json.dumps(meta)
    return safetensors({"__metadata__": {"ganstudio": text}})


def dcgan_meta(**config: object) -> dict[str, object]:
    return {
        "format": 1,
        "variant": "dcgan",
        "plugin": "dcgan",
        "config": {"resolution": 32, "z_dim": 16, "width": 8, "channels": 3, **config},
    }


# --------------------------------------------------------------------------- item 1


def test_a_malformed_model_is_listed_unreadable_and_everything_else_works(
    capsys, isolated_home: Path, tmp_path: Path
) -> None:
    models = isolated_home / "models"
    models.mkdir()
    (models / "broken.safetensors").write_bytes(safetensors(b"[1,2,3]"))
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    broken = next(ln for ln in out.splitlines() if ln.startswith("broken"))
    assert "UNREADABLE: damaged header (it is a list, not an object)" in broken
    assert any(ln.startswith("sr-compact-x2") for ln in out.splitlines())
    assert main(["models", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["broken"]["unreadable"].startswith("damaged header")
    assert "unreadable" not in rows["sr-compact-x2"]
    # --model NAME of another model still works; the broken one is one line
    Image.new("RGB", (8, 6)).save(tmp_path / "in.png")
    assert (
        main(
            [
                "run",
                "super-resolve",
                "--model",
                "sr-compact-x2",
                "--input",
                str(tmp_path / "in.png"),
                "-o",
                str(tmp_path / "out.png"),
                "--no-progress",
            ]
        )
        == 0
    )
    capsys.readouterr()
    line = one_line(capsys, ["run", "generate", "--model", "broken", "-o", str(tmp_path / "x.png")])
    assert line.endswith("broken.safetensors: damaged header (it is a list, not an object)")


def test_the_model_browser_starts_with_a_malformed_model(
    qtbot, isolated_home: Path, registry
) -> None:
    from ganstudio.gui.panels.models import ModelBrowser

    models = isolated_home / "models"
    models.mkdir()
    (models / "broken.safetensors").write_bytes(safetensors(b'"abc"'))
    browser = ModelBrowser(registry)
    qtbot.addWidget(browser)
    labels = {item.text(0): item for item in browser._items()}
    assert "broken (unreadable)" in labels
    assert "damaged header" in labels["broken (unreadable)"].toolTip(0)
    assert "sr-compact-x2" in labels  # the others are still there


# --------------------------------------------------------------------------- item 8


HEADER_CASES: list[tuple[str, bytes, str]] = [
    ("header-list", safetensors(b"[1,2,3]"), "damaged header (it is a list, not an object)"),
    ("header-string", safetensors(b'"abc"'), "damaged header (it is a string, not an object)"),
    (
        "metadata-block-list",
        safetensors({"__metadata__": [1]}),
        "damaged header (__metadata__ is a list)",
    ),
    (
        "metadata-value-list",
        safetensors({"__metadata__": {"ganstudio": [1]}}),
        "damaged header (metadata 'ganstudio' is a list, not a string)",
    ),
    ("metadata-is-list", model_bytes([1, 2]), "damaged GAN Studio metadata (it is a list"),
    ("metadata-is-string", model_bytes("abc"), "damaged GAN Studio metadata (it is a string"),
    (
        "deep-header",
        safetensors(b"{" + b'"a":[' * 200_000 + b"1" + b"]" * 200_000 + b"}"),
        "header nests deeper than 64 levels",
    ),
    (
        "deep-metadata",
        model_bytes(None, raw_meta="[" * 200_000 + "]" * 200_000),
        "GAN Studio metadata nests deeper than 64 levels",
    ),
    (
        "format-abc",
        model_bytes({"format": "abc", "variant": "dcgan"}),
        "metadata 'format' must be a whole number, got 'abc'",
    ),
    (
        "format-list",
        model_bytes({"format": [1], "variant": "dcgan"}),
        "metadata 'format' must be a whole number, got [1]",
    ),
    (
        "format-nan",
        model_bytes(None, raw_meta='{"format": NaN}'),
        "NaN is not a number JSON allows",
    ),
    (
        "format-infinity",
        model_bytes(None, raw_meta='{"format": Infinity}'),
        "Infinity is not a number JSON allows",
    ),
    (
        "format-newer",
        model_bytes({"format": 99, "variant": "dcgan"}),
        "written by a newer GAN Studio (format 99); please upgrade",
    ),
    (
        "variant-list",
        model_bytes({"format": 1, "variant": ["dcgan"]}),
        "metadata 'variant' must be a string, got ['dcgan']",
    ),
    (
        "variant-dict",
        model_bytes({"format": 1, "variant": {"a": 1}}),
        "metadata 'variant' must be a string",
    ),
    (
        "config-list",
        model_bytes({"format": 1, "variant": "dcgan", "config": [1]}),
        "metadata 'config' is a list, not an object",
    ),
    (
        "config-string",
        model_bytes({"format": 1, "variant": "dcgan", "config": "abc"}),
        "metadata 'config' is a string, not an object",
    ),
]


@pytest.mark.parametrize("name,data,message", HEADER_CASES, ids=[c[0] for c in HEADER_CASES])
@pytest.mark.parametrize("command", ["info", "run"])
def test_damaged_model_headers_are_one_line(
    capsys, tmp_path: Path, command: str, name: str, data: bytes, message: str
) -> None:
    path = tmp_path / f"{name}.safetensors"
    path.write_bytes(data)
    argv = (
        ["info", str(path)]
        if command == "info"
        else ["run", "generate", "--model", str(path), "-o", str(tmp_path / "x.png")]
    )
    assert message in one_line(capsys, argv)


CONFIG_CASES: list[tuple[str, dict[str, object], str]] = [
    ("huge-width", {"width": 10**9}, "its config implies at least"),
    ("huge-z", {"z_dim": 2**40}, "config 'z_dim' must be in [-2147483647, 2147483647]"),
    ("negative", {"width": -5}, "z_dim and width must be positive"),
    ("string", {"width": "abc"}, "config 'width' must be a whole number, got 'abc'"),
    ("float", {"width": 8.5}, "config 'width' must be a whole number, got 8.5"),
    ("null", {"width": None}, "config 'width' must be a whole number, got None"),
    ("bad-resolution", {"resolution": 48}, "resolution must be a power of two"),
    ("float-string", {"lr": "fast"}, "config 'lr' must be a number, got 'fast'"),
]


@pytest.mark.parametrize("name,config,message", CONFIG_CASES, ids=[c[0] for c in CONFIG_CASES])
def test_config_values_are_checked_before_anything_is_built(
    capsys, tmp_path: Path, name: str, config: dict, message: str
) -> None:
    path = tmp_path / f"{name}.safetensors"
    path.write_bytes(model_bytes(dcgan_meta(**config)))
    line = one_line(
        capsys, ["run", "generate", "--model", str(path), "-o", str(tmp_path / "x.png")]
    )
    assert message in line


def test_a_36_tb_config_names_its_size_and_allocates_nothing(capsys, tmp_path: Path) -> None:
    path = tmp_path / "bomb.safetensors"
    path.write_bytes(model_bytes(dcgan_meta(width=120_000, z_dim=100)))
    line = one_line(
        capsys, ["run", "generate", "--model", str(path), "-o", str(tmp_path / "x.png")]
    )
    assert "its config implies at least 6.7 TB of weights" in line
    assert "GANSTUDIO_MAX_MODEL_BYTES" in line
    path.write_bytes(model_bytes(dcgan_meta(width=2**31 - 1, z_dim=2**31 - 1)))
    line = one_line(
        capsys, ["run", "generate", "--model", str(path), "-o", str(tmp_path / "x.png")]
    )
    assert "its config implies at least 8,192.0 PB of weights" in line


# --------------------------------------------------------------------------- item 9


def _netg(dtype: torch.dtype | None = None, **replace: torch.Tensor) -> dict[str, torch.Tensor]:
    from test_cli import ExamplesGenerator

    torch.manual_seed(0)
    state = ExamplesGenerator(nz=16, ngf=8).state_dict()
    if dtype is not None:
        state = {k: v.to(dtype) if v.is_floating_point() else v for k, v in state.items()}
    state.update(replace)
    return state


PTH_CASES: list[tuple[str, Callable[[], object], str]] = [
    (
        "stride-0",
        lambda: {"main.0.weight": torch.ones(1).expand(1800, 1024, 1024, 4)},
        "tensor 'main.0.weight' of shape [1800, 1024, 1024, 4] views 4 bytes of data as 28.1 GB",
    ),
    (
        "nan",
        lambda: _netg(**{"main.3.weight": torch.full((64, 32, 4, 4), float("nan"))}),
        "tensor 'main.3.weight' holds NaN or infinite values",
    ),
    (
        "inf",
        lambda: _netg(**{"main.1.running_var": torch.full((64,), float("inf"))}),
        "tensor 'main.1.running_var' holds NaN or infinite values",
    ),
    (
        "f64",
        lambda: _netg(**{"main.0.weight": torch.randn(16, 64, 4, 4, dtype=torch.float64)}),
        "is float64 and does not fit float32 exactly; refused",
    ),
    (
        "i64",
        lambda: _netg(**{"main.0.weight": torch.ones(16, 64, 4, 4, dtype=torch.int64)}),
        "tensor 'main.0.weight' of shape [16, 64, 4, 4] has dtype int64; weights must be "
        "floating point",
    ),
    (
        "bool",
        lambda: _netg(**{"main.0.weight": torch.ones(16, 64, 4, 4, dtype=torch.bool)}),
        "has dtype bool; weights must be floating point",
    ),
    (
        "u8",
        lambda: _netg(**{"main.0.weight": torch.ones(16, 64, 4, 4, dtype=torch.uint8)}),
        "has dtype uint8; weights must be floating point",
    ),
    ("f8", lambda: _netg(torch.float8_e4m3fn), "has dtype float8_e4m3fn; refused (lossy)"),
    (
        "complex",
        lambda: _netg(**{"main.0.weight": torch.ones(2, dtype=torch.complex64)}),
        "is not a plain dense tensor",
    ),
    ("cyclic", lambda: (lambda d: (d.append(d), d)[1])([]), "contains itself"),
    (
        "a-class",
        lambda: {"args": argparse.ArgumentParser},
        "refused to load: it holds an object "
        "of type argparse.ArgumentParser, which GAN Studio does not rebuild",
    ),
    ("garbage", lambda: b"PK\x03\x04garbage" * 10, "damaged, or not a PyTorch weights file"),
]


@pytest.mark.parametrize("name,make,message", PTH_CASES, ids=[c[0] for c in PTH_CASES])
def test_foreign_weights_are_validated_before_use(
    capsys, tmp_path: Path, name: str, make: Callable[[], object], message: str
) -> None:
    src = tmp_path / f"{name}.pth"
    obj = make()
    if isinstance(obj, bytes):
        src.write_bytes(obj)
    else:
        torch.save(obj, src)
    if name == "stride-0":
        assert src.stat().st_size < 4096  # a 2.7 KB file that would allocate 28 GB
    line = one_line(
        capsys, ["import", "dcgan-examples", str(src), "-o", str(tmp_path / "out.safetensors")]
    )
    assert message in line
    assert not (tmp_path / "out.safetensors").exists()


def test_code_in_a_pickle_is_named_as_code(capsys, tmp_path: Path) -> None:
    class Evil:
        def __reduce__(self):
            import os

            return (os.system, ("echo pwned",))

    src = tmp_path / "evil.pth"
    torch.save({"x": Evil()}, src)
    line = one_line(
        capsys, ["import", "dcgan-examples", str(src), "-o", str(tmp_path / "o.safetensors")]
    )
    assert "refused to load: it calls posix.system, which would run code" in line


def test_half_precision_weights_are_widened_with_a_warning(capsys, caplog, tmp_path: Path) -> None:
    src = tmp_path / "half.pth"
    torch.save(_netg(torch.float16), src)
    out = tmp_path / "half.safetensors"
    assert main(["import", "dcgan-examples", str(src), "-o", str(out)]) == 0
    assert (
        "half.pth: widened half-precision tensor main.0.weight and 20 more to float32 "
        "(lossless)" in caplog.text
    )
    from safetensors import safe_open

    with safe_open(str(out), "pt") as fh:
        assert fh.get_tensor("G.main.0.weight").dtype == torch.float32


def test_nan_weights_in_a_model_file_are_refused(capsys, tmp_path: Path) -> None:
    from safetensors.torch import load_file, save_file

    from ganstudio.core.model_header import read_metadata

    tensors = load_file(str(SMALL))
    key = next(k for k, v in tensors.items() if v.is_floating_point() and v.numel() > 1)
    tensors[key] = torch.full_like(tensors[key], float("nan"))
    bad = tmp_path / "nan.safetensors"
    save_file(tensors, str(bad), metadata={"ganstudio": json.dumps(read_metadata(SMALL))})
    line = one_line(capsys, ["run", "generate", "--model", str(bad), "-o", str(tmp_path / "x.png")])
    assert f"tensor {key!r} holds NaN or infinite values" in line


# --------------------------------------------------------------------------- item 10


class FakeModule:
    """Pickled by reference: the restricted unpickler turns it into an inert Captured."""


def _nvidia(tmp_path: Path, name: str, payload: bytes | object) -> Path:
    path = tmp_path / f"{name}.pkl"
    data = payload if isinstance(payload, bytes) else pickle.dumps(payload, protocol=4)
    path.write_bytes(data)
    return path


def _cyclic() -> dict[str, object]:
    g = FakeModule()
    g.__dict__.update(_modules={"synthesis": g}, _parameters={}, _buffers={})
    return {"G_ema": g}


def _deep(n: int = 5000) -> dict[str, object]:
    root = node = FakeModule()
    for _ in range(n):
        child = FakeModule()
        node.__dict__.update(_modules={"m": child})
        node = child
    return {"G_ema": root}


PICKLE_CASES: list[tuple[str, Callable[[], bytes | object], str]] = [
    ("cyclic", _cyclic, "module synthesis contains itself"),
    ("deep", _deep, "modules nest more than 32 levels deep"),
    (
        "ordereddict-1",
        lambda: b"\x80\x02ccollections\nOrderedDict\nK\x01\x85R.",
        "not a readable network pickle (TypeError",
    ),
    (
        "size-abc",
        lambda: b"\x80\x02ctorch\nSize\nX\x03\x00\x00\x00abc\x85R.",
        "not a readable network pickle (TypeError",
    ),
    (
        "numpy-subtype",
        lambda: (
            b"\x80\x03cnumpy.core.multiarray\n_reconstruct\nc"
            + __name__.encode()
            + b"\nFakeModule\nK\x00\x85C\x01b\x87R."
        ),
        "not a readable network pickle (TypeError",
    ),
    (
        "protocol-2-tensor",
        lambda: pickle.dumps(torch.ones(3), protocol=2),
        "the pickle holds no G_ema network",
    ),
    ("empty", lambda: b"", "not a readable network pickle (EOFError"),
]


@pytest.mark.parametrize("name,make,message", PICKLE_CASES, ids=[c[0] for c in PICKLE_CASES])
def test_network_pickle_edge_cases_are_one_line(
    capsys, tmp_path: Path, name: str, make: Callable[[], object], message: str
) -> None:
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 30_000))  # only to *write* the 5000-deep pickle
    try:
        src = _nvidia(tmp_path, name, make())
    finally:
        sys.setrecursionlimit(limit)
    line = one_line(
        capsys, ["import", "stylegan2-nvidia", str(src), "-o", str(tmp_path / "o.safetensors")]
    )
    assert message in line


# --------------------------------------------------------------------------- items 11, 12


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png(width: int, height: int, *extra: bytes) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 8)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + b"".join(extra)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def _with_provenance(path: Path, text: str) -> Path:
    info = PngImagePlugin.PngInfo()
    info.add_itxt("ganstudio", text)
    Image.new("RGB", (4, 4)).save(path, pnginfo=info)
    return path


IMAGE_CASES: list[tuple[str, Callable[[Path], Path], str]] = [
    (
        "30000-square",
        lambda p: (p.write_bytes(_png(30000, 30000)), p)[1],
        "image too large to open safely",
    ),
    (
        "2^31-square",
        lambda p: (p.write_bytes(_png(2**31 - 1, 2**31 - 1)), p)[1],
        "image too large to open safely",
    ),
    (
        "ztxt-bomb",
        lambda p: (
            p.write_bytes(
                _png(
                    4,
                    4,
                    _png_chunk(b"zTXt", b"ganstudio\x00\x00" + zlib.compress(b" " * 50_000_000, 9)),
                )
            ),
            p,
        )[1],
        "corrupt image (ValueError: Decompressed data too large",
    ),
    (
        "deep-provenance",
        lambda p: _with_provenance(p, '{"a":' * 100_000 + "1" + "}" * 100_000),
        "provenance nests deeper than 64 levels",
    ),
    (
        "mistyped-model",
        lambda p: _with_provenance(
            p, json.dumps({"app": "GAN Studio", "model": "x", "action": "generate"})
        ),
        "damaged provenance ('model' is a string)",
    ),
    (
        "mistyped-params",
        lambda p: _with_provenance(
            p, json.dumps({"app": "GAN Studio", "params": [1, 2], "action": "generate"})
        ),
        "damaged provenance ('params' is a list)",
    ),
    (
        "mistyped-action",
        lambda p: _with_provenance(p, json.dumps({"app": "GAN Studio", "action": {"a": 1}})),
        "damaged provenance ('action' is an object)",
    ),
    (
        "not-an-image",
        lambda p: (p.write_bytes(b"hello"), p)[1],
        "neither a model file (.safetensors) nor an image",
    ),
]


@pytest.mark.parametrize("name,make,message", IMAGE_CASES, ids=[c[0] for c in IMAGE_CASES])
def test_info_on_hostile_images_is_one_line(
    capsys, tmp_path: Path, name: str, make: Callable[[Path], Path], message: str
) -> None:
    path = make(tmp_path / f"{name}.png")
    assert message.lower() in one_line(capsys, ["info", str(path)]).lower()


def test_escape_sequences_from_files_never_reach_the_terminal(capsys, tmp_path: Path) -> None:
    evil = "\x1b]0;pwned\x07\x1b[2J"
    image = _with_provenance(
        tmp_path / "evil.png",
        json.dumps(
            {
                "app": "GAN Studio",
                "action": evil,
                "params": {"seed": evil},
                "model": {"file": evil, "variant": "x", "sha256": "0"},
            }
        ),
    )
    assert main(["info", str(image)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert "action: \\x1b]0;pwned\\x07\\x1b[2J" in out
    model = tmp_path / "evil.safetensors"
    model.write_bytes(model_bytes({**dcgan_meta(), "trained_on": evil, "plugin": evil}))
    assert main(["info", str(model)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "trained on: \\x1b]0;pwned" in out
    # an error message that quotes a file's name or content escapes it too
    named = tmp_path / f"evil{evil}.pth"
    named.write_bytes(b"garbage")
    line = one_line(capsys, ["import", str(named), "-o", str(tmp_path / "o.safetensors")])
    assert "evil\\x1b]0;pwned\\x07\\x1b[2J.pth" in line


# --------------------------------------------------------------------------- item 13


@pytest.mark.parametrize(
    "err,reason",
    [(errno.ENOSPC, "No space left on device"), (errno.EROFS, "Read-only file system")],
)
def test_run_on_a_full_or_read_only_disk_is_one_line_and_exit_3(
    capsys, tmp_path: Path, monkeypatch, err: int, reason: str
) -> None:
    import os

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError(err, os.strerror(err))

    monkeypatch.setattr(Image.Image, "save", refuse)
    target = tmp_path / "out.png"
    line = one_line(
        capsys,
        ["run", "generate", "--model", str(SMALL), "-o", str(target), "--no-progress"],
        code=3,
    )
    assert line == f"ganstudio run: error: cannot write {target} ({reason})"
    assert list(tmp_path.iterdir()) == []  # no temporary left behind


# --------------------------------------------------------------------------- item 21, 22


def test_rosinality_train_py_checkpoints_with_args_import(capsys, tmp_path: Path) -> None:
    from test_stylegan_import import _reference

    ref = _reference()
    src = tmp_path / "050000.pt"
    args = argparse.Namespace(size=32, latent=16, n_mlp=2, lr_mlp=0.02, channel_multiplier=2)
    torch.save(
        {
            "g_ema": ref.state_dict(),
            "g": ref.state_dict(),
            "args": args,
            "latent_avg": torch.zeros(16),
        },
        src,
    )
    out = tmp_path / "m.safetensors"
    assert main(["import", str(src), "-o", str(out)]) == 0, capsys.readouterr().err
    from ganstudio.core.model_header import read_metadata

    assert read_metadata(out)["config"]["mapping_lr_mul"] == 0.02  # from their args
    assert (
        main(
            [
                "import",
                "stylegan2-rosinality",
                str(src),
                "-o",
                str(out),
                "--force",
                "--set",
                "lr_mlp=0.05",
            ]
        )
        == 0
    )
    assert read_metadata(out)["config"]["mapping_lr_mul"] == 0.05
    capsys.readouterr()
    line = one_line(
        capsys,
        [
            "import",
            "stylegan2-rosinality",
            str(src),
            "-o",
            str(out),
            "--force",
            "--set",
            "lr_mlp=abc",
        ],
    )
    assert "lr_mlp must be a number, got 'abc'" in line


def test_torch_is_at_least_2_6() -> None:
    """weights_only loading can be made to run code before torch 2.6 (CVE-2025-32434)."""
    text = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text()
    assert '"torch>=2.6,' in text and '"torchvision>=0.21,' in text
