"""Throw a hostile corpus at every entry point and count what held (issue 12's evidence).

    python scripts/fuzz_inputs.py --fast     # a few hundred cases, about a minute on 2 cores
    python scripts/fuzz_inputs.py            # the full corpus, plus every seed case as a
                                             # real `python -m ganstudio` subprocess

The corpus is generated in a temporary folder: damaged and hostile model
files (headers, metadata, configs), foreign ``.pth`` files (stride-0 bombs,
wrong dtypes, NaN, code-carrying and unexpected classes, cycles), NVIDIA-style
pickles (cycles, 5000-deep modules, bad constructor arguments), images (pixel
and zTXt bombs, deep or mistyped provenance, escape sequences) and batch
folders (devices, FIFOs, symlink loops, sparse giants), plus seeded random
mutations of valid files.  Each case runs one command — ``info``, ``models``,
``run``, ``import`` or ``batch`` — under a memory limit (``RLIMIT_AS``) and a
time limit.

A case *held* when the command exited 0, 2 or 3 without a traceback, printed
no raw control character, gave exactly one line on stderr when it failed
(batch: its report), stayed within its limits, and refused (exit 2/3) where the
case must be refused.  The script prints tried / held / failed and each
failure; its exit status is 1 when anything failed.

Cases run in-process in a worker (``ganstudio.cli.main``), so torch is
imported once; a watchdog kills and replaces a worker that hangs or dies, and
records the case.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import pickle
import random
import select
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import traceback
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BUNDLED = REPO / "resources" / "models"
SR_MODEL = BUNDLED / "sr-compact-x2.safetensors"
MEMORY_LIMIT = 4 << 30  # bytes of address space per worker
CONTROL = ("\x1b", "\x07", "\x9b")


@dataclass
class Case:
    id: str
    argv: list[str]
    must_refuse: bool = False  # exit 0 would be a failure
    home: str = ""  # GANSTUDIO_HOME for this case ("" = the shared one)
    batch: bool = False  # a report, not one line, on failure


@dataclass
class Result:
    id: str
    code: int | None
    out: str = ""
    err: str = ""
    seconds: float = 0.0
    problem: str = ""
    argv: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- file makers


def st_bytes(header: Any, data: bytes = b"") -> bytes:
    raw = header if isinstance(header, bytes) else json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + data


def meta_model(meta: Any, raw: str | None = None) -> bytes:
    return st_bytes({"__metadata__": {"ganstudio": raw if raw is not None else json.dumps(meta)}})


def dcgan_meta(**config: Any) -> dict[str, Any]:
    cfg = {"resolution": 32, "z_dim": 16, "width": 8, "channels": 3, **config}
    return {"format": 1, "variant": "dcgan", "plugin": "dcgan", "config": cfg}


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width: int, height: int, *extra: bytes) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + b"".join(extra)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))  # a few rows at most: damaged
        + png_chunk(b"IEND", b"")
    )


def provenance_png(text: str) -> bytes:
    data = text.encode()
    chunk = png_chunk(b"iTXt", b"ganstudio\x00\x00\x00\x00\x00" + data)
    return png(4, 4, chunk)


class FakeModule:
    """Pickled by reference, so NVIDIA-style pickles can be built without their code."""


def nvidia_like(depth: int = 3, cyclic: bool = False) -> dict[str, Any]:
    import torch

    root = node = FakeModule()
    for i in range(depth):
        child = FakeModule()
        node.__dict__.update(
            _parameters={"weight": torch.ones(2, 2)},
            _buffers={},
            _modules={f"m{i}": child},
        )
        node = child
    if cyclic:
        node.__dict__.update(_modules={"back": root})
    return {"G_ema": root}


def netg_state(dtype: Any = None, **replace: Any) -> dict[str, Any]:
    """pytorch/examples' DCGAN generator at nz=16, ngf=8 (what dcgan-examples imports)."""
    import torch
    from torch import nn

    ngf, nz = 8, 16
    layers: list[nn.Module] = [nn.ConvTranspose2d(nz, ngf * 8, 4, 1, 0, bias=False)]
    for c in (8, 4, 2):
        layers += [
            nn.BatchNorm2d(ngf * c),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * c, ngf * c // 2 if c > 2 else ngf, 4, 2, 1, bias=False),
        ]
    layers += [nn.BatchNorm2d(ngf), nn.ReLU(True), nn.ConvTranspose2d(ngf, 3, 4, 2, 1, bias=False)]
    torch.manual_seed(0)
    state = nn.Sequential(*layers).state_dict()
    state = {f"main.{k}": v for k, v in state.items()}
    if dtype is not None:
        state = {k: v.to(dtype) if v.is_floating_point() else v for k, v in state.items()}
    state.update(replace)
    return state


def torch_bytes(obj: Any) -> bytes:
    import torch

    buf = io.BytesIO()
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 50_000))  # only to *write* the deeply nested cases
    try:
        torch.save(obj, buf)
    finally:
        sys.setrecursionlimit(limit)
    return buf.getvalue()


# --------------------------------------------------------------------------- the corpus


class Corpus:
    """Writes files into ``root`` and collects the cases that run on them."""

    def __init__(self, root: Path, seed: int, fast: bool) -> None:
        self.root = root
        self.fast = fast
        self.rng = random.Random(seed)
        self.cases: list[Case] = []
        self.seeds: list[Case] = []  # hand-made cases (also run as real subprocesses)

    def file(self, name: str, data: bytes) -> Path:
        path = self.root / "files" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path

    def add(self, case: Case, seed: bool = True) -> None:
        self.cases.append(case)
        if seed:
            self.seeds.append(case)

    # model files ------------------------------------------------------------------------

    def model(
        self,
        name: str,
        data: bytes,
        must_refuse: bool = True,
        seed: bool = True,
        commands: tuple[str, ...] = ("info", "run", "models"),
    ) -> None:
        path = self.file(f"{name}.safetensors", data)
        out = str(self.root / "out" / f"{name}.png")
        if "info" in commands:
            self.add(Case(f"info:{name}", ["info", str(path)], must_refuse), seed)
        if "run" in commands:
            self.add(
                Case(
                    f"run:{name}",
                    ["run", "generate", "--model", str(path), "-o", out, "--no-progress"],
                    must_refuse,
                ),
                seed,
            )
        if "models" in commands:
            home = self.root / "homes" / name
            (home / "models").mkdir(parents=True, exist_ok=True)
            shutil.copy(path, home / "models" / path.name)
            self.add(Case(f"models:{name}", ["models"], False, str(home)), seed)

    def models(self, mutations: int) -> None:
        hostile_values: list[Any] = [
            None,
            -1,
            0,
            2**31,
            2**62,
            10**30,
            1e308,
            0.5,
            "abc",
            "",
            [],
            {},
            [1] * 5,
            True,
            "\x1b]0;pwned\x07",
            [[1]],
        ]
        cases: list[tuple[str, bytes]] = [
            ("header-list", st_bytes(b"[1,2,3]")),
            ("header-string", st_bytes(b'"abc"')),
            ("header-number", st_bytes(b"12")),
            ("header-empty", b""),
            ("header-short", b"\x05\x00\x00"),
            ("header-length-huge", struct.pack("<Q", 2**63) + b"{}"),
            ("header-length-past-end", struct.pack("<Q", 1000) + b"{}"),
            ("header-not-utf8", st_bytes(b'{"\xff\xfe": 1}')),
            ("metadata-block-list", st_bytes({"__metadata__": [1]})),
            ("metadata-value-list", st_bytes({"__metadata__": {"ganstudio": [1]}})),
            ("metadata-value-number", st_bytes({"__metadata__": {"ganstudio": 5}})),
            ("metadata-list", meta_model([1, 2])),
            ("metadata-string", meta_model("abc")),
            ("metadata-null", meta_model(None)),
            ("metadata-not-json", meta_model(None, raw="{not json")),
            ("deep-header", st_bytes(b"{" + b'"a":[' * 200_000 + b"1" + b"]" * 200_000 + b"}")),
            ("deep-metadata", meta_model(None, raw="[" * 200_000 + "]" * 200_000)),
            (
                "deep-config",
                meta_model(
                    None,
                    raw='{"format":1,"variant":"dcgan","config":'
                    + '{"a":' * 50_000
                    + "1"
                    + "}" * 50_000
                    + "}",
                ),
            ),
            ("format-nan", meta_model(None, raw='{"format": NaN}')),
            ("format-infinity", meta_model(None, raw='{"format": Infinity}')),
            ("huge-int", meta_model(None, raw='{"format": 1' + "0" * 5000 + "}")),
            (
                "tensor-entry-bad",
                st_bytes(
                    {
                        "__metadata__": {"ganstudio": json.dumps(dcgan_meta())},
                        "G.x": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]},
                    }
                ),
            ),
            (
                "tensor-offsets-huge",
                st_bytes(
                    {
                        "__metadata__": {"ganstudio": json.dumps(dcgan_meta())},
                        "G.x": {
                            "dtype": "F32",
                            "shape": [2**40, 2**20],
                            "data_offsets": [0, 2**62],
                        },
                    }
                ),
            ),
            (
                "escape-metadata",
                meta_model(
                    {**dcgan_meta(), "trained_on": "\x1b]0;pwned\x07\x1b[2J", "plugin": "\x1b[2J"}
                ),
            ),
        ]
        values = hostile_values[:: 2 if self.fast else 1]
        sound: list[tuple[str, bytes]] = []  # values a schema may well accept
        for key in ("format", "variant", "plugin", "config", "step"):
            for i, value in enumerate(values):
                meta = dcgan_meta()
                meta[key] = value
                target = cases if _invalid(key, value) else sound
                target.append((f"{key}-{i}", meta_model(meta)))
        for key in ("resolution", "z_dim", "width", "channels", "lr", "objective"):
            for i, value in enumerate(values):
                cases.append((f"config-{key}-{i}", meta_model(dcgan_meta(**{key: value}))))
        cases.append(("config-36tb", meta_model(dcgan_meta(width=120_000, z_dim=100))))
        cases.append(("config-overflow", meta_model(dcgan_meta(width=2**31 - 1))))
        cases.append(
            (
                "stylegan-layers",
                meta_model(
                    {"format": 1, "variant": "stylegan2", "config": {"mapping_layers": 10**7}}
                ),
            )
        )
        cases.append(
            (
                "sr-blocks",
                meta_model(
                    {
                        "format": 1,
                        "variant": "esrgan",
                        "plugin": "srgan",
                        "config": {"num_block": 10**7},
                    }
                ),
            )
        )
        cases.append(
            (
                "cgan-bins",
                meta_model(
                    {"format": 1, "variant": "cgan", "plugin": "cgan", "config": {"bins": 10**8}}
                ),
            )
        )
        for name, data in sound:
            self.model(name, data, must_refuse=False)
        for name, data in cases:
            if name.startswith(("escape", "tensor-offsets")):  # info reads no offsets
                self.model(name, data, must_refuse=False)
            elif name.startswith(("config-", "stylegan-", "sr-", "cgan-")):
                # the header is sound, the config is not: info shows it, run refuses it
                self.model(name, data, must_refuse=False, commands=("info", "models"))
                self.model(name, data, must_refuse=True, commands=("run",))
            else:
                self.model(name, data, must_refuse=True)
        # mutations of a real model: truncations and flipped bytes (any clean exit is fine)
        valid = SR_MODEL.read_bytes()
        header_end = 8 + struct.unpack("<Q", valid[:8])[0]
        for i in range(mutations):
            data = bytearray(valid)
            kind = self.rng.choice(("truncate", "flip-header", "flip-data", "json"))
            if kind == "truncate":
                data = data[: self.rng.randrange(0, len(data))]
            elif kind == "flip-header":
                for _ in range(self.rng.randint(1, 4)):
                    data[self.rng.randrange(8, header_end)] = self.rng.randrange(256)
            elif kind == "flip-data":
                for _ in range(self.rng.randint(1, 64)):
                    data[self.rng.randrange(header_end, len(data))] = self.rng.randrange(256)
            else:
                data = bytearray(self._json_mutation(valid, header_end, hostile_values))
            self.model(
                f"mut{i}-{kind}",
                bytes(data),
                must_refuse=False,
                seed=False,
                commands=(("info", "run") if i % 2 else ("info",)),
            )

    def _json_mutation(self, valid: bytes, header_end: int, values: list[Any]) -> bytes:
        header = json.loads(valid[8:header_end])
        meta = json.loads(header["__metadata__"]["ganstudio"])
        target = self.rng.choice(("meta", "config", "tensor"))
        if target == "meta":
            meta[self.rng.choice(list(meta) + ["x"])] = self.rng.choice(values)
        elif target == "config":
            meta["config"][self.rng.choice(list(meta["config"]))] = self.rng.choice(values)
        else:
            name = self.rng.choice([k for k in header if k != "__metadata__"])
            header[name][self.rng.choice(("dtype", "shape", "data_offsets"))] = self.rng.choice(
                values + ["F64", "BOOL", "I64", "F8_E4M3", [2**40]]
            )
        header["__metadata__"]["ganstudio"] = json.dumps(meta)
        raw = json.dumps(header).encode()
        raw += b" " * (-len(raw) % 8)
        return struct.pack("<Q", len(raw)) + raw + valid[header_end:]

    # foreign weights ----------------------------------------------------------------------

    def foreign(self, mutations: int) -> None:
        import torch

        class Evil:
            def __reduce__(self) -> Any:
                return (os.system, ("touch " + str(self_root / "PWNED"),))

        self_root = self.root
        cyc: list[Any] = []
        cyc.append(cyc)
        pth: list[tuple[str, Callable[[], Any], bool]] = [
            ("stride0", lambda: {"main.0.weight": torch.ones(1).expand(1800, 1024, 1024, 4)}, True),
            (
                "stride0-many",
                lambda: {f"w{i}": torch.ones(4).expand(2**20, 4) for i in range(64)},
                True,
            ),
            (
                "nan",
                lambda: netg_state(**{"main.0.weight": torch.full((16, 64, 4, 4), float("nan"))}),
                True,
            ),
            (
                "inf",
                lambda: netg_state(**{"main.1.running_var": torch.full((64,), float("inf"))}),
                True,
            ),
            (
                "f64-inexact",
                lambda: netg_state(
                    **{"main.0.weight": torch.randn(16, 64, 4, 4, dtype=torch.float64)}
                ),
                True,
            ),
            ("f64-exact", lambda: netg_state(torch.float64), False),
            ("f16", lambda: netg_state(torch.float16), False),
            ("bf16", lambda: netg_state(torch.bfloat16), False),
            (
                "i64",
                lambda: netg_state(
                    **{"main.0.weight": torch.ones(16, 64, 4, 4, dtype=torch.int64)}
                ),
                True,
            ),
            (
                "bool",
                lambda: netg_state(**{"main.0.weight": torch.ones(16, 64, 4, 4, dtype=torch.bool)}),
                True,
            ),
            (
                "u8",
                lambda: netg_state(
                    **{"main.0.weight": torch.ones(16, 64, 4, 4, dtype=torch.uint8)}
                ),
                True,
            ),
            ("f8", lambda: netg_state(torch.float8_e4m3fn), True),
            ("complex", lambda: {"w": torch.ones(3, dtype=torch.complex64)}, True),
            ("sparse", lambda: {"w": torch.eye(3).to_sparse()}, True),
            ("cyclic", lambda: cyc, True),
            ("deep", lambda: _nested(5000), True),
            ("code", lambda: {"x": Evil()}, True),
            ("class", lambda: {"args": argparse.ArgumentParser}, True),
            ("namespace-only", lambda: {"args": argparse.Namespace(a=1)}, True),
            ("wrong-shapes", lambda: netg_state(**{"main.0.weight": torch.ones(3)}), True),
            ("empty-dict", lambda: {}, True),
            ("tensor-only", lambda: torch.ones(3), True),
            (
                "rosinality-bad",
                lambda: {
                    "g_ema": {
                        "input.input": torch.ones(1, 8, 4, 4),
                        "style.1.weight": torch.ones(2),
                        "to_rgb1.conv.weight": torch.ones(1),
                    }
                },
                True,
            ),
        ]
        raw_files: list[tuple[str, bytes]] = [
            ("garbage", b"PK\x03\x04garbage" * 10),
            ("empty", b""),
            ("pickle-os", pickle.dumps({"x": Evil()})),
        ]
        for name, make, refuse in pth:
            raw_files.append((name, torch_bytes(make())))
            self._import_cases(name, raw_files[-1][1], refuse)
        for name, data in raw_files[:3]:
            self._import_cases(name, data, True)
        valid = torch_bytes(netg_state())
        for i in range(mutations):
            data = bytearray(valid)
            if self.rng.random() < 0.4:
                data = data[: self.rng.randrange(0, len(data))]
            else:
                for _ in range(self.rng.randint(1, 32)):
                    data[self.rng.randrange(len(data))] = self.rng.randrange(256)
            self._import_cases(f"mut{i}", bytes(data), False, seed=False, named=i % 2 == 0)

    def _import_cases(
        self, name: str, data: bytes, refuse: bool, seed: bool = True, named: bool = True
    ) -> None:
        path = self.file(f"{name}.pth", data)
        out = str(self.root / "out" / f"{name}.safetensors")
        self.add(Case(f"import:{name}", ["import", str(path), "-o", out, "--force"], refuse), seed)
        if named:
            self.add(
                Case(
                    f"import-dcgan:{name}",
                    ["import", "dcgan-examples", str(path), "-o", out, "--force"],
                    refuse,
                ),
                seed,
            )

    def pickles(self, mutations: int) -> None:
        import torch

        hand: list[tuple[str, bytes]] = [
            ("cyclic", pickle.dumps(nvidia_like(cyclic=True), protocol=4)),
            ("deep", _deep_pickle(5000)),
            ("ordereddict-1", b"\x80\x02ccollections\nOrderedDict\nK\x01\x85R."),
            ("size-abc", b"\x80\x02ctorch\nSize\nX\x03\x00\x00\x00abc\x85R."),
            (
                "numpy-subtype",
                b"\x80\x03cnumpy.core.multiarray\n_reconstruct\nc__main__\n"
                b"FakeModule\nK\x00\x85C\x01b\x87R.",
            ),
            ("protocol2-tensor", pickle.dumps(torch.ones(3), protocol=2)),
            ("protocol4-tensor", pickle.dumps({"G_ema": torch.ones(3)}, protocol=4)),
            ("os-system", b"\x80\x02cos\nsystem\nX\x04\x00\x00\x00true\x85R."),
            ("builtins-eval", b"\x80\x02cbuiltins\neval\nX\x01\x00\x00\x001\x85R."),
            ("persistent-id", b"\x80\x02X\x01\x00\x00\x00aQ."),
            ("empty", b""),
            ("garbage", b"\x80\x05garbage"),
            ("no-g-ema", pickle.dumps({"D": 1})),
            ("g-ema-not-module", pickle.dumps({"G_ema": [1, 2, 3]})),
            ("valid-shape-wrong", pickle.dumps(nvidia_like(), protocol=4)),
        ]
        for name, data in hand:
            self._pickle_case(name, data, True)
        valid = pickle.dumps(nvidia_like(), protocol=4)
        for i in range(mutations):
            data = bytearray(valid)
            if self.rng.random() < 0.3:
                data = data[: self.rng.randrange(0, len(data))]
            else:
                for _ in range(self.rng.randint(1, 8)):
                    data[self.rng.randrange(len(data))] = self.rng.randrange(256)
            self._pickle_case(f"mut{i}", bytes(data), True, seed=False)

    def _pickle_case(self, name: str, data: bytes, refuse: bool, seed: bool = True) -> None:
        path = self.file(f"nv-{name}.pkl", data)
        out = str(self.root / "out" / f"nv-{name}.safetensors")
        self.add(
            Case(
                f"import-nvidia:{name}",
                ["import", "stylegan2-nvidia", str(path), "-o", out, "--force"],
                refuse,
            ),
            seed,
        )

    # images -------------------------------------------------------------------------------

    def images(self, mutations: int) -> None:
        from PIL import Image, PngImagePlugin

        escape = "\x1b]0;pwned\x07\x1b[2J"
        hand: list[tuple[str, bytes, bool]] = [
            ("px-30000", png(30000, 30000), True),
            ("px-2^31", png(2**31 - 1, 2**31 - 1), True),
            ("px-zero", png(0, 0), True),
            (
                "ztxt-bomb",
                png(
                    4,
                    4,
                    png_chunk(b"zTXt", b"ganstudio\x00\x00" + zlib.compress(b" " * 8_000_000, 9)),
                ),
                True,
            ),
            ("deep-provenance", provenance_png('{"a":' * 100_000 + "1" + "}" * 100_000), True),
            (
                "provenance-model-str",
                provenance_png(json.dumps({"app": "GAN Studio", "model": "x"})),
                True,
            ),
            (
                "provenance-params-list",
                provenance_png(json.dumps({"app": "GAN Studio", "params": [1]})),
                True,
            ),
            (
                "provenance-action-dict",
                provenance_png(json.dumps({"app": "GAN Studio", "action": {}})),
                True,
            ),
            ("provenance-nan", provenance_png('{"app": "GAN Studio", "params": {"a": NaN}}'), True),
            (
                "provenance-escape",
                provenance_png(
                    json.dumps(
                        {
                            "app": "GAN Studio",
                            "action": escape,
                            "params": {escape: escape},
                            "model": {"file": escape, "variant": escape},
                        }
                    )
                ),
                False,
            ),
            ("not-an-image", b"hello", True),
            ("truncated-png", png(64, 64)[:40], False),
            ("empty", b"", True),
        ]
        for name, data, refuse in hand:
            # an input's provenance is never used by run --input: only info must refuse it
            self._image_cases(name, data, refuse, run_refuses=refuse and "provenance" not in name)
        buf = io.BytesIO()
        info = PngImagePlugin.PngInfo()
        info.add_itxt(
            "ganstudio",
            json.dumps({"app": "GAN Studio", "action": "generate", "params": {"seed": 1}}),
        )
        Image.new("RGB", (16, 16), (9, 80, 200)).save(buf, format="PNG", pnginfo=info)
        valid = buf.getvalue()
        jpeg = io.BytesIO()
        Image.new("RGB", (16, 16), (9, 80, 200)).save(jpeg, format="JPEG")
        for i in range(mutations):
            base = valid if i % 2 else jpeg.getvalue()
            data = bytearray(base)
            if self.rng.random() < 0.3:
                data = data[: self.rng.randrange(1, len(data))]
            else:
                for _ in range(self.rng.randint(1, 8)):
                    data[self.rng.randrange(8, len(data))] = self.rng.randrange(256)
            self._image_cases(
                f"mut{i}", bytes(data), False, seed=False, suffix=".png" if i % 2 else ".jpg"
            )

    def _image_cases(
        self,
        name: str,
        data: bytes,
        refuse: bool,
        seed: bool = True,
        suffix: str = ".png",
        run_refuses: bool = False,
    ) -> None:
        path = self.file(f"img-{name}{suffix}", data)
        self.add(Case(f"info-image:{name}", ["info", str(path)], refuse), seed)
        out = str(self.root / "out" / f"sr-{name}.png")
        self.add(
            Case(
                f"run-input:{name}",
                [
                    "run",
                    "super-resolve",
                    "--model",
                    str(SR_MODEL),
                    "--input",
                    str(path),
                    "-o",
                    out,
                    "--no-progress",
                ],
                run_refuses,
            ),
            seed,
        )

    # batch folders and output ---------------------------------------------------------------

    def folders(self, special: bool) -> None:
        """A batch folder of damaged images; ``special`` adds devices, a FIFO, symlink loops
        and a 40 GB sparse file (issue 12 item 5, the batch reader's side)."""
        from PIL import Image

        src = self.root / "batch-in"
        src.mkdir()
        Image.new("RGB", (8, 8)).save(src / "good.png")
        (src / "bomb.png").write_bytes(png(30000, 30000))
        (src / "ztxt.png").write_bytes(
            png(4, 4, png_chunk(b"zTXt", b"k\x00\x00" + zlib.compress(b" " * 8_000_000, 9)))
        )
        (src / "trunc.png").write_bytes(png(64, 64)[:40])
        (src / "empty.png").write_bytes(b"")
        (src / "dir.png").mkdir()
        if special:
            (src / "loop1.png").symlink_to(src / "loop2.png")
            (src / "loop2.png").symlink_to(src / "loop1.png")
            (src / "zero.png").symlink_to("/dev/zero")
            (src / "urandom.png").symlink_to("/dev/urandom")
            os.mkfifo(src / "fifo.png")
            with open(src / "sparse.png", "wb") as fh:
                fh.truncate(40 << 30)
        self.add(
            Case(
                "batch:hostile-folder",
                [
                    "batch",
                    "super-resolve",
                    "--model",
                    str(SR_MODEL),
                    str(src),
                    str(self.root / "batch-out"),
                    "--no-progress",
                ],
                batch=True,
            )
        )
        self.add(
            Case(
                "run-output:dir-as-file",
                [
                    "run",
                    "super-resolve",
                    "--model",
                    str(SR_MODEL),
                    "--input",
                    str(src / "good.png"),
                    "-o",
                    str(self.root / "files"),
                    "--no-progress",
                ],
                True,
            )
        )
        self.add(
            Case(
                "run-output:missing-parent-is-file",
                [
                    "run",
                    "super-resolve",
                    "--model",
                    str(SR_MODEL),
                    "--input",
                    str(src / "good.png"),
                    "-o",
                    str(src / "good.png" / "x.png"),
                    "--no-progress",
                ],
                True,
            )
        )


def _invalid(key: str, value: Any) -> bool:
    """Whether metadata ``key`` = ``value`` must be refused by any reader of the header."""
    whole = isinstance(value, int) and not isinstance(value, bool)
    if key == "format":
        return not (whole and 0 <= value <= 1)
    if key == "variant":  # an empty or unknown one is refused when a model is loaded
        return not isinstance(value, str)
    if key == "plugin":
        return value is not None and not isinstance(value, str)
    if key == "config":
        return value is not None and not isinstance(value, dict)
    if key == "step":
        return value is not None and not (whole and value >= 0)
    return False


def _nested(depth: int) -> Any:
    obj: Any = {}
    for _ in range(depth):
        obj = {"a": obj}
    return obj


def _deep_pickle(depth: int) -> bytes:
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, depth * 10))
    try:
        return pickle.dumps(nvidia_like(depth=depth), protocol=4)
    finally:
        sys.setrecursionlimit(limit)


def build_corpus(root: Path, fast: bool, seed: int) -> Corpus:
    corpus = Corpus(root, seed, fast)
    scale = 1 if fast else 8
    corpus.models(mutations=12 * scale)
    corpus.foreign(mutations=12 * scale)
    corpus.pickles(mutations=12 * scale)
    corpus.images(mutations=10 * scale)
    corpus.folders(special=not fast)
    return corpus


# --------------------------------------------------------------------------- judging


def judge(case: Case, result: Result) -> str:
    """'' when the case held, else what went wrong (one phrase)."""
    if result.problem:
        return result.problem
    text = result.out + result.err
    if "Traceback" in result.err:
        last = [ln for ln in result.err.splitlines() if ln.strip()][-1:]
        return f"traceback ({last[0][:160] if last else ''})"
    if result.code not in (0, 2, 3):
        return f"exit {result.code}"
    if any(c in text for c in CONTROL):
        return "raw control character printed"
    if case.must_refuse and result.code == 0:
        return "accepted a file that must be refused"
    if result.code in (2, 3) and not case.batch:
        lines = [
            ln
            for ln in result.err.splitlines()
            if ln.strip() and not ln.startswith(("WARNING", "wrote "))
        ]
        if len(lines) != 1:
            return f"{len(lines)} lines on stderr, expected one"
    return ""


# --------------------------------------------------------------------------- running


def limit_resources() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def child_env(home: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        OMP_NUM_THREADS="1",
        OPENBLAS_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
        QT_QPA_PLATFORM="offscreen",
        GANSTUDIO_HOME=home,
        PYTHONPATH=str(REPO) + os.pathsep + env.get("PYTHONPATH", ""),
    )
    env.pop("GANSTUDIO_PLUGIN_PATH", None)
    return env


def worker_main() -> int:
    """Run cases from stdin (one JSON per line) in-process; report on the original stdout."""
    limit_resources()
    import logging

    import torch

    torch.set_num_threads(1)
    from ganstudio.cli import main

    report = os.fdopen(os.dup(1), "w", buffering=1)
    shared_home = os.environ["GANSTUDIO_HOME"]
    for line in sys.stdin:
        case = Case(**json.loads(line))
        report.write(json.dumps({"start": case.id}) + "\n")
        os.environ["GANSTUDIO_HOME"] = case.home or shared_home
        out, err = io.StringIO(), io.StringIO()
        logging.root.handlers.clear()  # basicConfig binds the handler to this case's stderr
        started = time.perf_counter()
        code: int | None
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(case.argv)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            except BaseException:  # noqa: BLE001 - exactly what the fuzzer is looking for
                traceback.print_exc()
                code = 1
        result = Result(
            case.id,
            code,
            out.getvalue()[-4000:],
            err.getvalue()[-4000:],
            time.perf_counter() - started,
        )
        report.write(json.dumps({"done": asdict(result)}) + "\n")
    return 0


def run_in_workers(cases: list[Case], home: Path, timeout: float) -> list[Result]:
    """Feed cases to a worker; replace it when a case hangs or kills it."""
    results: dict[str, Result] = {}
    pending = list(cases)
    by_id = {c.id: c for c in cases}
    while pending:
        queue = home / "queue.jsonl"  # a file, not a pipe: the worker's reports never block it
        queue.write_text("".join(json.dumps(asdict(c)) + "\n" for c in pending))
        proc = subprocess.Popen(
            [sys.executable, __file__, "--worker"],
            stdin=open(queue),  # noqa: SIM115
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=child_env(str(home)),
            cwd=str(home),
        )
        assert proc.stdout is not None
        current: str | None = None
        deadline = time.monotonic() + 120  # the first case also imports torch
        buffer = ""
        while True:
            wait = deadline - time.monotonic()
            ready, _, _ = select.select([proc.stdout], [], [], max(wait, 0))
            if not ready:  # a hang: kill the worker, record the case, start a fresh one
                proc.kill()
                proc.wait()
                if current is not None:
                    results[current] = Result(
                        current, None, problem=f"hang (> {timeout:.0f} s)", argv=by_id[current].argv
                    )
                break
            chunk = proc.stdout.readline()
            if not chunk:  # the worker died: out of memory, a signal, os._exit
                code = proc.wait()
                if current is not None:
                    results[current] = Result(
                        current, code, problem=f"worker died ({code})", argv=by_id[current].argv
                    )
                break
            buffer = chunk
            msg = json.loads(buffer)
            if "start" in msg:
                current = msg["start"]
                deadline = time.monotonic() + timeout
            else:
                res = Result(**msg["done"])
                res.argv = by_id[res.id].argv
                results[res.id] = res
                current = None
        pending = [c for c in pending if c.id not in results]
        with contextlib.suppress(OSError):
            proc.kill()
    return [results[c.id] for c in cases]


def run_subprocess(case: Case, home: Path, timeout: float) -> Result:
    """One case as a real ``python -m ganstudio`` process (exit codes, flushing, os-level)."""
    started = time.perf_counter()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "ganstudio", *case.argv],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=child_env(case.home or str(home)),
            cwd=str(home),
            preexec_fn=limit_resources,
            errors="replace",
        )
    except subprocess.TimeoutExpired:
        return Result(case.id, None, problem=f"hang (> {timeout:.0f} s)", argv=case.argv)
    return Result(
        case.id,
        proc.returncode,
        proc.stdout[-4000:],
        proc.stderr[-4000:],
        time.perf_counter() - started,
        argv=case.argv,
    )


def summarize(label: str, cases: list[Case], results: list[Result], seconds: float) -> int:
    failures = [(c, r, judge(c, r)) for c, r in zip(cases, results, strict=True)]
    failures = [f for f in failures if f[2]]
    print(
        f"{label}: tried {len(cases)}, held {len(cases) - len(failures)}, "
        f"failed {len(failures)} ({seconds:.0f} s)"
    )
    for case, result, why in failures:
        print(f"  FAILED {case.id}: {why}")
        print(f"    ganstudio {' '.join(case.argv)[:200]}")
        tail = [ln for ln in result.err.splitlines() if ln.strip()][-2:]
        for ln in tail:
            print(f"    | {ln[:200]!r}")
    slowest = sorted(results, key=lambda r: r.seconds, reverse=True)[:3]
    print("  slowest: " + ", ".join(f"{r.id} {r.seconds:.1f} s" for r in slowest))
    return len(failures)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fast", action="store_true", help="a few hundred cases (CI)")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per case")
    parser.add_argument("--keep", metavar="DIR", help="build the corpus here and keep it")
    parser.add_argument(
        "--every",
        type=int,
        default=3,
        help="full mode: run every Nth hand-made case as a real subprocess",
    )
    parser.add_argument("--jobs", type=int, default=2, help="subprocesses at a time")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker_main()
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="ganstudio-fuzz-"))
    root.mkdir(parents=True, exist_ok=True)
    home = root / "home"
    home.mkdir(exist_ok=True)
    (root / "out").mkdir(exist_ok=True)
    try:
        started = time.perf_counter()
        corpus = build_corpus(root, args.fast, args.seed)
        print(
            f"corpus: {len(corpus.cases)} cases in {root} "
            f"({time.perf_counter() - started:.1f} s to build)"
        )
        started = time.perf_counter()
        results = run_in_workers(corpus.cases, home, args.timeout)
        failed = summarize("in-process", corpus.cases, results, time.perf_counter() - started)
        if not args.fast:
            started = time.perf_counter()
            # a real process per case costs a torch import (2-4 s): every third seed case
            seeds = corpus.seeds[:: args.every]
            with ThreadPoolExecutor(args.jobs) as pool:
                # a fresh process may spend 30 s importing torch on a loaded machine
                sub = list(pool.map(lambda c: run_subprocess(c, home, args.timeout + 90), seeds))
            failed += summarize("subprocess", seeds, sub, time.perf_counter() - started)
        if (root / "PWNED").exists():
            print("A PAYLOAD RAN: files/PWNED exists")
            failed += 1
        return 1 if failed else 0
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
