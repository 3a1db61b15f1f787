"""Super-resolution speed on this machine, in one run.

* the dense matrix-multiply peak: ``torch.mm`` of 2048×2048 float32;
* megapixels/s of ×4 upscaling for ESRGAN's RRDBNet (64 ch, 23 blocks) and the
  compact SRVGG net (64 ch, 32 convs: realesr-general-x4v3's size), random
  weights (speed does not depend on them), NCHW vs channels_last;
* tiled vs untiled on an image that fits both ways, through the action's own
  tiling code (``plugins/srgan/tiling.py``);
* compute efficiency: the network's arithmetic, counted from its layers (2 ×
  MACs of every conv / linear), divided by the time, as a share of the mm peak.
  Tiled runs are charged only the untiled image's FLOPs, so tile overlap
  counts against them;
* the batch pipeline vs a naive loop: ``bench_batch_pipeline()`` runs
  ``scripts/bench_batch.py`` on the shipped demo model.

    .venv/bin/python scripts/bench_sr.py [--threads 2] [--no-batch]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn

from ganstudio.core import hostmem
from ganstudio.core.jobs import drive
from ganstudio.plugins import get_registry

REPO = Path(__file__).resolve().parent.parent


def _once(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


_A, _B = torch.randn(2048, 2048), torch.randn(2048, 2048)
_MM_GFLOP = 2 * 2048**3 / 1e9


def mm_peak(repeat: int = 7) -> float:
    """GFLOP/s of a 2048×2048 float32 matrix product (best of ``repeat``)."""
    torch.mm(_A, _B)
    return _MM_GFLOP / min(_once(lambda: torch.mm(_A, _B)) for _ in range(repeat))


def paired(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """(median seconds of ``fn``, median mm GFLOP/s measured right next to each run).

    Other processes share this machine: timing each run next to its own mm
    probe keeps the efficiency ratio honest when the load changes.
    """
    fn()  # warm up (allocator, oneDNN primitive cache)
    times, peaks = [], []
    for _ in range(repeat):
        before = mm_peak(2)
        times.append(_once(fn))
        peaks.append(max(before, mm_peak(2)))
    return statistics.median(times), statistics.median(peaks)


def count_gflop(net: nn.Module, x: torch.Tensor) -> float:
    """2 × multiply-adds of every Conv2d and Linear for one forward of ``x``.

    ``x`` is NCHW, so every convolution runs as its module (the fused
    channels_last path calls the op directly and would slip past the hooks).
    """
    total = 0

    def hook(m: nn.Module, inp: tuple[torch.Tensor, ...], out: torch.Tensor) -> None:
        nonlocal total
        if isinstance(m, nn.Conv2d):
            k = m.in_channels // m.groups * m.kernel_size[0] * m.kernel_size[1]
            total += 2 * out.numel() * k
        elif isinstance(m, nn.Linear):
            total += 2 * out.numel() * m.in_features

    handles = [
        m.register_forward_hook(hook)
        for m in net.modules()
        if isinstance(m, (nn.Conv2d, nn.Linear))
    ]
    with torch.inference_mode():
        net(x)
    for h in handles:
        h.remove()
    return total / 1e9


def build(kind: str) -> nn.Module:
    reg = get_registry()
    if kind == "rrdb":
        v = reg.variant("esrgan")
        return v.build(v.config(scale=4, num_feat=64, num_block=23))["G"].eval()
    v = reg.variant("srvgg")
    return v.build(v.config(scale=4, num_feat=64, num_conv=32))["G"].eval()


def _tiling():
    pkg = sys.modules[get_registry().variant("srvgg").config.__module__].__package__
    __import__(f"{pkg}.tiling")
    return sys.modules[f"{pkg}.tiling"]


def bench_net(kind: str, side: int, tile: int, repeat: int) -> None:
    t = _tiling()
    cpu = torch.device("cpu")
    net = build(kind)
    x = torch.rand(1, 3, side, side)
    gflop = count_gflop(net, x)
    out_mp = (side * 4) ** 2 / 1e6
    print(
        f"\n{kind}: {side}×{side} → {side * 4}×{side * 4}, {gflop:.1f} GFLOP per image "
        f"({gflop / (side * side / 1e6) / 1e3:.1f} TFLOP per input megapixel)"
    )

    def row(label: str, timing: tuple[float, float], work: float = 1.0) -> float:
        seconds, peak = timing
        print(
            f"  {label:<38} {seconds * 1e3:7.0f} ms {out_mp / seconds:6.3f} MP/s out "
            f"{gflop / seconds:6.1f} GFLOP/s  (mm {peak:5.0f})  efficiency "
            f"{gflop / seconds / peak:.2f}"
            + (f", {gflop * work / seconds / peak:.2f} counting the overlap" if work > 1 else "")
        )
        return seconds

    with torch.inference_mode():
        nchw = row("untiled, NCHW", paired(lambda: net(x), repeat))
    cl_net = t.prepare(net, cpu)  # channels_last, as the action runs it
    xc = x.contiguous(memory_format=torch.channels_last)
    with torch.inference_mode():
        cl = row("untiled, channels_last", paired(lambda: cl_net(xc), repeat))

    overlap = t.auto_overlap(cl_net)

    def tiled(tile_size: int) -> Callable[[], object]:
        def run() -> object:
            _, sink = t.float_sink(3, side * 4, side * 4)
            return drive(t.upscale_tiles(cl_net, x, sink, tile_size, overlap, cpu))

        return run

    whole = row("action path, 1 tile", paired(tiled(side), repeat))
    grid = t.tile_grid(side, side, tile)
    computed = sum(
        (min(side, g.y1 + overlap) - max(0, g.y0 - overlap))
        * (min(side, g.x1 + overlap) - max(0, g.x0 - overlap))
        for g in grid
    )
    split = row(
        f"action path, {len(grid)} tiles of {tile} (+{overlap} px)",
        paired(tiled(tile), repeat),
        computed / side**2,
    )
    print(
        f"  tiled vs untiled (action path): {split / whole:.2f}× the time "
        f"({100 * (split / whole - 1):+.0f}%); channels_last speed-up over NCHW "
        f"{nchw / cl:.2f}×"
    )


def bench_batch_pipeline(threads: int) -> None:
    """Batch pipeline vs naive loop — the batch engine's benchmark, run as it ships."""
    script = REPO / "scripts" / "bench_batch.py"
    if not script.exists():
        print("\n(batch pipeline: scripts/bench_batch.py not present)")
        return
    print("\nbatch pipeline vs naive loop (scripts/bench_batch.py, demo model):", flush=True)
    subprocess.run([sys.executable, str(script), "--repeat", "2"], check=False, cwd=REPO)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-batch", action="store_true", help="skip the batch pipeline figures")
    ap.add_argument(
        "--srvgg",
        default="1024:512",
        metavar="SIDE:TILE",
        help="compact net: input side and tile size (default 1024:512)",
    )
    ap.add_argument(
        "--rrdb",
        default="512:256",
        metavar="SIDE:TILE",
        help="RRDBNet: input side and tile size (default 512:256)",
    )
    ap.add_argument("--only", choices=("srvgg", "rrdb"), help="benchmark one network only")
    ap.add_argument(
        "--system-malloc",
        action="store_true",
        help="leave glibc's allocator at its defaults (see core/hostmem.py)",
    )
    args = ap.parse_args()
    if not args.system_malloc:
        hostmem.tune()  # as the ganstudio command and the app do
    torch.set_num_threads(args.threads)
    print(
        f"torch {torch.__version__}, {args.threads} thread(s); torch.mm 2048² fp32 "
        f"now: {mm_peak():.1f} GFLOP/s.  Each row's efficiency uses the mm speed measured "
        "next to its own runs (the machine is shared; load moves both together)."
    )
    print(f"host allocator: {'tuned' if hostmem.is_tuned() else 'system defaults'}")
    for kind in (args.only,) if args.only else ("srvgg", "rrdb"):
        side, tile = (int(v) for v in getattr(args, kind).split(":"))
        bench_net(kind, side, tile, args.repeat)
    if not args.no_batch:
        bench_batch_pipeline(args.threads)


if __name__ == "__main__":
    main()
