"""Batch throughput: the reader → model → writer pipeline vs a naive sequential loop.

Both process the same folder of phone-like JPEGs with the same functions
(decode + EXIF + hash, the action, PNG encode with provenance); the naive
loop does one stage after another, ``BatchRunner`` overlaps decoding and
encoding with the model.  The workload is the super-resolution plugin's
compact network (×4, random weights: speed does not depend on them) when
``plugins/srgan`` provides it, else a conv stack of DCGAN-generator size.

The best possible speed-up is (read + model + write) / max(read, model, write)
per image; the script prints it next to the measured ratio, so a figure
below target says whether the workload or the pipeline is to blame.

    .venv/bin/python scripts/bench_batch.py [--images 24] [--size 128] [--threads 1 2]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image

from ganstudio import plugins
from ganstudio.core.actions import run_action
from ganstudio.core.batch import BatchOptions, BatchRunner, _fit_format, read_input
from ganstudio.core.imaging import save_image
from ganstudio.core.models import LoadedModel
from ganstudio.core.specs import Action, ActionResult, Variant


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
    model = LoadedModel(path=None, variant=variant, variant_id="srvgg", config=cfg,
                        modules={"G": g})
    action = reg.action_for("super-resolve", variant.capabilities, "srvgg")
    return action, model, f"SR compact net ×4 (srvgg, {cfg.num_feat} ch, {cfg.num_conv} convs)"


class ConvStack(torch.nn.Module):
    """About a DCGAN generator's size: 3×3 convs at 64 channels, then ×4 pixel shuffle."""

    def __init__(self, width: int = 64, depth: int = 6) -> None:
        super().__init__()
        layers: list[torch.nn.Module] = [
            torch.nn.Conv2d(3, width, 3, padding=1), torch.nn.PReLU(width)]
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
    model = LoadedModel(path=None, variant=variant, variant_id="convstack", config=None,
                        modules={"G": net})
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


def pipeline(action: Action, model: LoadedModel, src: Path, out: Path, writers: int) -> float:
    runner = BatchRunner(action, model, src, out, {}, BatchOptions(fmt="png"), writers=writers)
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--images", type=int, default=24)
    ap.add_argument("--size", type=int, default=128, help="input side in pixels (output ×4)")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2],
                    help="torch intra-op thread counts to measure")
    ap.add_argument("--workload", choices=("auto", "sr", "conv"), default="auto")
    ap.add_argument("--num-feat", type=int, help="SR compact net width (default: the plugin's)")
    ap.add_argument("--num-conv", type=int, help="SR compact net depth (default: the plugin's)")
    ap.add_argument("--writers", type=int, default=1, help="pipeline writer threads")
    ap.add_argument("--repeat", type=int, default=2,
                    help="alternate naive/pipeline runs this many times; best of each counts")
    args = ap.parse_args()

    workload = None
    if args.workload in ("auto", "sr"):
        try:
            workload = sr_workload(args.num_feat, args.num_conv)
            probe = Image.new("RGB", (args.size, args.size), (90, 120, 150))
            run_action(workload[0], workload[1], {}, {"image": probe})
        except Exception as exc:
            if args.workload == "sr":
                raise
            print(f"(SR plugin not usable here: {type(exc).__name__}: {exc}; "
                  "using the conv stack)", file=sys.stderr)
            workload = None
    action, model, label = workload or conv_workload()

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in"
        src.mkdir()
        files = make_folder(src, args.images, args.size)
        print(f"workload: {label}; {args.images} JPEGs {args.size}² → PNG "
              f"{args.size * 4}²; {args.writers} writer thread(s); 2 cores shared")
        for threads in args.threads:
            torch.set_num_threads(threads)
            run_action(action, model, {}, {"image": read_input(files[0])[0]})  # warm up
            t_naive = t_pipe = float("inf")
            spent: dict[str, float] = {}
            for r in range(args.repeat):  # alternate, so load from other processes hits both
                out_a, out_b = Path(tmp) / f"naive{threads}-{r}", Path(tmp) / f"pipe{threads}-{r}"
                out_a.mkdir()
                t0 = time.perf_counter()
                stages = naive(action, model, files, out_a)
                elapsed = time.perf_counter() - t0
                if elapsed < t_naive:
                    t_naive, spent = elapsed, stages
                t_pipe = min(t_pipe, pipeline(action, model, src, out_b, args.writers))
            per = {k: 1000 * v / args.images for k, v in spent.items()}
            bound = sum(per.values()) / max(per.values())
            print(f"torch threads {threads}: read {per['read']:.1f} ms, model "
                  f"{per['model']:.1f} ms, write {per['write']:.1f} ms per image")
            print(f"  naive    {args.images / t_naive:6.2f} img/s")
            print(f"  pipeline {args.images / t_pipe:6.2f} img/s   ratio {t_naive / t_pipe:.2f}× "
                  f"(stage sum / slowest stage {bound:.2f}×; target ≥ 1.3×)")


if __name__ == "__main__":
    main()
