"""Tiled inference: any image size in bounded memory, seam-free.

Each tile is run with ``pad`` pixels of real image context around it and only
its centre is kept ("crop the overlap", as Real-ESRGAN's ``tile_process``).
When ``pad`` reaches the network's receptive radius the result equals the
untiled one up to float rounding.  Deep nets (ESRGAN's radius is hundreds of
pixels) get a fixed context instead, as Real-ESRGAN does (its default pad is
10 px; ours is 16): the far context they miss weighs little.  Tiles are
written to a ``sink`` as they finish, so no full-size float buffer is ever held.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ganstudio.core.specs import Progress

MIN_TILE = 32
#: "auto" on a CPU stops here even with memory to spare. With freed memory kept for
#: reuse (ganstudio/core/hostmem.py) a 512 px tile runs nearly as fast per pixel as
#: a 256 px one (RRDBNet ×4: 0.72 vs 0.76 of matmul peak, scripts/bench_sr.py) and
#: recomputes less overlap (4 tiles of 256 on a 512² image: 0.67); beyond it an
#: ESRGAN ×4 tile needs several GB.
CPU_MAX_TILE = 512
AUTO_OVERLAP_CAP = 16

#: ``sink(y, x, tile)``: tile (C, th*s, tw*s) in [0, 1] on the CPU, placed at output (y, x)
Sink = Callable[[int, int, Tensor], None]


def is_oom(exc: BaseException) -> bool:
    """Out of memory on any device (torch.OutOfMemoryError or an allocator RuntimeError)."""
    oom = getattr(torch, "OutOfMemoryError", None)
    if oom is not None and isinstance(exc, oom):
        return True
    return isinstance(exc, (RuntimeError, MemoryError)) and (
        isinstance(exc, MemoryError)
        or "out of memory" in str(exc).lower()
        or "can't allocate memory" in str(exc).lower()
    )


def free_memory(device: torch.device) -> int:
    """Bytes the device can give now: CUDA's free memory, or the host's available RAM."""
    if device.type == "cuda":
        return int(torch.cuda.mem_get_info(device)[0])
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return 2 << 30


def auto_tile(net: nn.Module, device: torch.device, pad: int) -> int:
    """The largest square input tile whose activations fit in half the free memory."""
    per_px = int(getattr(net, "bytes_per_px", 4 * 64 * 16)) * 1.5  # allocator slack
    side = int(math.sqrt(free_memory(device) * 0.5 / per_px)) - 2 * pad
    cap = CPU_MAX_TILE if device.type == "cpu" else 4096
    return max(MIN_TILE, min(cap, side) // 8 * 8)


def auto_overlap(net: nn.Module) -> int:
    return min(int(getattr(net, "halo", AUTO_OVERLAP_CAP)), AUTO_OVERLAP_CAP)


@dataclass(frozen=True)
class Tile:
    y0: int
    y1: int
    x0: int
    x1: int


def tile_grid(h: int, w: int, tile: int, align: int = 1) -> list[Tile]:
    """Row-major tiles of at most ``tile`` px covering (h, w); edges on ``align`` multiples."""
    tile = max(align, tile // align * align)
    return [
        Tile(y, min(h, y + tile), x, min(w, x + tile))
        for y in range(0, h, tile)
        for x in range(0, w, tile)
    ]


def prepare(net: nn.Module, device: torch.device) -> nn.Module:
    """Eval mode on ``device``; channels_last on CPU and CUDA, where conv kernels prefer NHWC."""
    net = net.to(device).eval()
    if device.type in ("cpu", "cuda"):
        net = net.to(memory_format=torch.channels_last)
    return net


@torch.inference_mode()
def _run_tile(
    net: nn.Module, x: Tensor, t: Tile, pad: int, scale: int, device: torch.device
) -> Generator[float, None, Tensor]:
    """One tile; yields the fraction done inside it when the net can report one."""
    h, w = x.shape[-2:]
    ys, ye = max(0, t.y0 - pad), min(h, t.y1 + pad)
    xs, xe = max(0, t.x0 - pad), min(w, t.x1 + pad)
    inp = x[:, :, ys:ye, xs:xe].to(device).contiguous(memory_format=torch.channels_last)
    steps = getattr(net, "forward_steps", None)
    if steps is None:
        out = net(inp)
    else:
        out = yield from steps(inp)
    # out: (1, C, (ye-ys)*s, (xe-xs)*s)
    out = out[
        :, :, (t.y0 - ys) * scale : (t.y1 - ys) * scale, (t.x0 - xs) * scale : (t.x1 - xs) * scale
    ]
    return out[0].float().clamp_(0, 1).cpu()  # (C, th*s, tw*s)


def upscale_tiles(
    net: nn.Module, x: Tensor, sink: Sink, tile: int, overlap: int, device: torch.device
) -> Generator[Progress, None, int]:
    """Run ``net`` over (1, C, H, W) ``x`` in [0, 1] tile by tile; returns the tile count.

    Inputs are padded (edge-replicated) to the network's pixel-unshuffle
    factor; the sink may receive tiles reaching past H*s, W*s and crops them.
    Progress comes after every tile, and inside tiles for nets with ``forward_steps``.
    """
    scale = int(net.scale)  # type: ignore[arg-type]  # a plain int attribute of SR nets
    fold = int(getattr(net, "fold", 1))
    h, w = x.shape[-2:]
    if h % fold or w % fold:
        x = F.pad(x, (0, -w % fold, 0, -h % fold), mode="replicate")  # (1, C, H', W')
    pad = -(-overlap // fold) * fold
    tiles = tile_grid(x.shape[-2], x.shape[-1], tile, fold)
    n = len(tiles)
    data = {"tile": tile, "device": str(device)}
    for i, t in enumerate(tiles):
        run = _run_tile(net, x, t, pad, scale, device)
        try:
            while True:
                within = next(run)
                yield Progress(
                    step=i,
                    total=n,
                    fraction=(i + within) / n,
                    message=f"tile {i + 1}/{n}, {within:.0%}",
                    data=data,
                )
        except StopIteration as done:
            sink(t.y0 * scale, t.x0 * scale, done.value)
        yield Progress(
            step=i + 1, total=n, fraction=(i + 1) / n, message=f"tile {i + 1}/{n}", data=data
        )
    return n


def float_sink(c: int, h: int, w: int) -> tuple[Tensor, Sink]:
    """A (C, h, w) float buffer and a sink filling it (tests, benchmarks, small images)."""
    buf = torch.zeros(c, h, w)

    def put(y: int, x: int, t: Tensor) -> None:
        th, tw = min(t.shape[1], h - y), min(t.shape[2], w - x)
        buf[:, y : y + th, x : x + tw] = t[:, :th, :tw]

    return buf, put


def upscale_with_fallback(
    net: nn.Module,
    x: Tensor,
    sink: Sink,
    tile: int,
    overlap: int,
    device: torch.device,
    notes: list[str],
) -> Generator[Progress, None, dict[str, Any]]:
    """``upscale_tiles``, retrying smaller tiles on out-of-memory, then on the CPU.

    Every retry is yielded as a Progress message and appended to ``notes``.
    Returns the tile size and device that finished the job.
    """
    cpu = torch.device("cpu")
    while True:
        try:
            n = yield from upscale_tiles(net, x, sink, tile, overlap, device)
            return {"tile": tile, "tiles": n, "device": str(device)}
        except Exception as exc:  # noqa: BLE001 - only out-of-memory is handled
            if not is_oom(exc):
                raise
            if device.type == "cuda":
                torch.cuda.empty_cache()
            if tile > MIN_TILE:
                smaller = max(MIN_TILE, tile // 2)
                msg = f"out of memory with {tile} px tiles on {device}: retrying with {smaller} px"
                tile = smaller
            elif device.type != "cpu":
                net = prepare(_copy_to_cpu(net), cpu)
                device = cpu
                tile = auto_tile(net, cpu, overlap)
                msg = f"out of memory at the smallest tile: continuing on the CPU ({tile} px tiles)"
            else:
                raise MemoryError(f"out of memory even with {tile} px tiles on the CPU") from exc
            notes.append(msg)
            yield Progress(message=msg, data={"retry": True, "tile": tile, "device": str(device)})


def _copy_to_cpu(net: nn.Module) -> nn.Module:
    import copy

    return copy.deepcopy(net).cpu()
