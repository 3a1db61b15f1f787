"""Batch throughput: the reader → model → writer pipeline vs a naive sequential loop.

Both process the same folder of phone-like JPEGs with the same functions
(decode + EXIF + hash, the action, PNG encode with provenance); the naive
loop does one stage after another, ``BatchRunner`` overlaps decoding and
encoding with the model.  The workload is the shipped demo super-resolution
model (``--workload sr``: the SR plugin's ×4 compact net with random weights;
``conv``: a conv stack of DCGAN-generator size).

The naive loop is measured with torch on every thread count up to the core
count and the best one counts; the pipeline runs as ``ganstudio batch`` does
(the model on the cores the writer does not use).

    .venv/bin/python scripts/bench_batch.py [--images 24] [--size 256] [--repeat 2]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image

from ganstudio import plugins
from ganstudio.core import hostmem
from ganstudio.core.actions import run_action
from ganstudio.core.batch import BatchOptions, BatchRunner, _fit_format, read_input
from ganstudio.core.imaging import save_image
from ganstudio.core.models import LoadedModel
from ganstudio.core.specs import Action, ActionResult, Variant

DEMO_MODEL = Path(__file__).resolve().parent.parent / "resources/models/sr-compact-x2.safetensors"


def make_folder(folder: Path, n: int, size: int) -> list[Path]:
    """Smooth colour fields with sensor-like noise, saved as quality-92 JPEGs."""
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:size, 0:size] / size
    paths = []
    for i in range(n):
        base = np.stack([np.sin((4 + i % 5) * x + 3 * y * c + i) for c in range(3)], -1)
        pixels = np.clip(base * 90 + 128 + rng.normal(0, 10, base.shape), 0, 255)
        path = folder / f"photo_{i:03d}.jpg"
        Image.fromarray(pixels.astype(np.uint8)).save(path, quality=92)
        paths.append(path)
    return paths


# --------------------------------------------------------------------------- workloads


def sr_workload(num_feat: int | None, num_conv: int | None) -> tuple[Action, LoadedModel, str]:
    reg = plugins.get_registry()
    variant = reg.variant("srvgg")
    changes = {k: v for k, v in {"num_feat": num_feat, "num_conv": num_conv}.items() if v}
    cfg = dataclasses.replace(variant.config(scale=4), **changes)
    g = variant.build(cfg)["G"].eval()
    model = LoadedModel(
        path=None, variant=variant, variant_id="srvgg", config=cfg, modules={"G": g}
    )
    action = reg.action_for("super-resolve", variant.capabilities, "srvgg")
    return action, model, f"SR compact net ×4 (srvgg, {cfg.num_feat} ch, {cfg.num_conv} convs)"


class ConvStack(torch.nn.Module):
    """About a DCGAN generator's size: 3×3 convs at 64 channels, then ×4 pixel shuffle."""

    def __init__(self, width: int = 64, depth: int = 6) -> None:
        super().__init__()
        layers: list[torch.nn.Module] = [
            torch.nn.Conv2d(3, width, 3, padding=1),
            torch.nn.PReLU(width),
        ]
        for _ in range(depth):
            layers += [torch.nn.Conv2d(width, width, 3, padding=1), torch.nn.PReLU(width)]
        layers += [torch.nn.Conv2d(width, 3 * 16, 3, padding=1), torch.nn.PixelShuffle(4)]
        self.net = torch.nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (1, 3, H, W) -> (1, 3, 4H, 4W)
        return self.net(x)


def _conv_run(model: Any, params: dict, inputs: dict) -> ActionResult:
    rgb = np.asarray(inputs["image"].convert("RGB"), dtype=np.float32)
    x = torch.from_numpy(rgb).permute(2, 0, 1)[None] / 127.5 - 1  # (1, 3, H, W)
    with torch.no_grad():
        y = model.generator(x.contiguous(memory_format=torch.channels_last))
    return ActionResult(y.clamp(-1, 1))


def conv_workload() -> tuple[Action, LoadedModel, str]:
    net = ConvStack().eval().to(memory_format=torch.channels_last)
    variant = Variant("convstack", "Conv stack", object, lambda cfg: {})
    model = LoadedModel(
        path=None, variant=variant, variant_id="convstack", config=None, modules={"G": net}
    )
    action = Action("conv-upscale", "Conv ×4", _conv_run, input_kind="image", batchable=True)
    return action, model, "conv stack ×4 (8 convs, 64 ch, DCGAN-generator size)"


# --------------------------------------------------------------------------- the two loops


def naive(action: Action, model: LoadedModel, files: list[Path], out: Path) -> dict[str, float]:
    """read → model → write, one after another; returns seconds per stage."""
    spent = {"read": 0.0, "model": 0.0, "write": 0.0}
    for path in files:
        t0 = time.perf_counter()
        image, info = read_input(path)
        t1 = time.perf_counter()
        result = run_action(action, model, {}, {"image": image})
        t2 = time.perf_counter()
        fitted = _fit_format(result.composite(), "PNG")
        save_image(out / f"{path.stem}.png", fitted, result.provenance)
        t3 = time.perf_counter()
        spent["read"] += t1 - t0
        spent["model"] += t2 - t1
        spent["write"] += t3 - t2
    return spent


def demo_workload() -> tuple[Action, LoadedModel, str]:
    """The shipped ×2 compact model: what a user batch-upscaling photos runs."""
    from ganstudio.core.models import load_model

    reg = plugins.get_registry()
    model = load_model(DEMO_MODEL, reg)
    action = reg.action_for("super-resolve", model.capabilities, model.variant_id)
    cfg = model.config
    return action, model, f"demo SR model ×{cfg.scale} ({cfg.num_feat} ch, {cfg.num_conv} convs)"


def pipeline(
    action: Action,
    model: LoadedModel,
    src: Path,
    out: Path,
    writers: int,
    model_threads: int | None = None,
) -> float:
    runner = BatchRunner(
        action,
        model,
        src,
        out,
        {},
        BatchOptions(fmt="png"),
        writers=writers,
        model_threads=model_threads,
    )
    gen = runner.run()
    t0 = time.perf_counter()
    try:
        while True:
            next(gen)
    except StopIteration as stop:
        report = stop.value
    elapsed = time.perf_counter() - t0
    if report.failed:
        raise SystemExit(f"pipeline failed on {report.failed[0]}")
    return elapsed


def best_of(repeat: int, fn: Any) -> float:
    return min(fn(r) for r in range(repeat))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--images", type=int, default=24)
    ap.add_argument("--size", type=int, default=256, help="input side in pixels")
    ap.add_argument(
        "--workload",
        choices=("auto", "demo", "sr", "conv"),
        default="auto",
        help="auto: the shipped demo SR model, else the SR plugin, else a conv stack",
    )
    ap.add_argument("--num-feat", type=int, help="SR compact net width (sr workload)")
    ap.add_argument("--num-conv", type=int, help="SR compact net depth (sr workload)")
    ap.add_argument("--writers", type=int, default=1, help="pipeline writer threads")
    ap.add_argument(
        "--repeat",
        type=int,
        default=2,
        help="alternate naive/pipeline runs this many times; best of each counts",
    )
    ap.add_argument(
        "--system-malloc",
        action="store_true",
        help="leave glibc's allocator at its defaults (see core/hostmem.py)",
    )
    args = ap.parse_args()
    if not args.system_malloc:
        hostmem.tune()  # as the ganstudio command does, for both loops

    if args.workload in ("auto", "demo") and DEMO_MODEL.exists():
        action, model, label = demo_workload()
    elif args.workload in ("auto", "sr", "demo"):
        action, model, label = sr_workload(args.num_feat, args.num_conv)
    else:
        action, model, label = conv_workload()
    cores = os.cpu_count() or 1

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in"
        src.mkdir()
        files = make_folder(src, args.images, args.size)
        print(
            f"workload: {label}; {args.images} JPEGs {args.size}² → PNG; "
            f"{args.writers} writer thread(s); {cores} cores"
        )
        run_action(action, model, {}, {"image": read_input(files[0])[0]})  # warm up
        naive_rate: dict[int, float] = {}
        for threads in range(1, cores + 1):
            torch.set_num_threads(threads)
            spent: dict[str, float] = {}

            def one(r: int, threads: int = threads, spent: dict = spent) -> float:
                out = Path(tmp) / f"naive{threads}-{r}"
                out.mkdir()
                t0 = time.perf_counter()
                spent.update(naive(action, model, files, out))
                return time.perf_counter() - t0

            naive_rate[threads] = args.images / best_of(args.repeat, one)
            per = {k: 1000 * v / args.images for k, v in spent.items()}
            print(
                f"naive, torch on {threads} thread(s): {naive_rate[threads]:6.2f} img/s "
                f"(read {per['read']:.1f} ms, model {per['model']:.1f} ms, "
                f"write {per['write']:.1f} ms per image)"
            )
        torch.set_num_threads(cores)
        runner_threads = max(1, cores - args.writers)

        def piped(r: int) -> float:
            out = Path(tmp) / f"pipe-{r}"
            return pipeline(action, model, src, out, args.writers)

        rate = args.images / best_of(args.repeat, piped)
        best_threads = max(naive_rate, key=naive_rate.__getitem__)
        best = naive_rate[best_threads]
        print(
            f"pipeline (model on {runner_threads} thread(s), encoding beside it): {rate:6.2f} img/s"
        )
        print(
            f"ratio pipeline / best naive loop ({best_threads} thread(s)): "
            f"{rate / best:.2f}× (target ≥ 1.3×)"
        )


if __name__ == "__main__":
    main()
