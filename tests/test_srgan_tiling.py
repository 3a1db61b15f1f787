"""Tiled super-resolution equals untiled; out-of-memory retries with smaller tiles."""

from __future__ import annotations

import sys
from types import ModuleType

import pytest
import torch

from ganstudio.core.jobs import drive


def _mod(registry, sub: str) -> ModuleType:
    pkg = sys.modules[registry.variant("srvgg").config.__module__].__package__
    __import__(f"{pkg}.{sub}")
    return sys.modules[f"{pkg}.{sub}"]


def _nets(registry):
    m = _mod(registry, "models")
    torch.manual_seed(0)
    v = registry.variant
    return {
        "srvgg": m.build_srvgg(v("srvgg").config(scale=2, num_feat=8, num_conv=3))["G"],
        "esrgan_x2": m.build_esrgan(
            v("esrgan").config(scale=2, num_feat=8, num_block=1, num_grow_ch=4)
        )["G"],
        "srgan": m.build_srgan(v("srgan").config(scale=2, num_feat=8, num_block=2))["G"],
    }


def _upscale(t, net, x, tile, overlap):
    s = net.scale
    buf, sink = t.float_sink(net.out_ch, x.shape[-2] * s, x.shape[-1] * s)
    n = drive(
        t.upscale_tiles(
            t.prepare(net, torch.device("cpu")), x, sink, tile, overlap, torch.device("cpu")
        )
    )
    return buf, n


@pytest.mark.parametrize("name", ["srvgg", "esrgan_x2", "srgan"])
def test_tiled_equals_untiled(registry, name: str) -> None:
    t = _mod(registry, "tiling")
    net = _nets(registry)[name].eval()
    x = torch.rand(1, 3, 41, 35)  # odd sizes: the x2 RRDBNet pads to its unshuffle factor
    f = getattr(net, "fold", 1)
    with torch.no_grad():
        padded = torch.nn.functional.pad(x, (0, -35 % f, 0, -41 % f), mode="replicate")
        ref = net(padded)[0, :, :82, :70]
    whole, n_whole = _upscale(t, net, x, 4096, 0)
    tiled, n_tiled = _upscale(t, net, x, 16, net.halo)
    assert n_whole == 1 and n_tiled == 9
    assert torch.allclose(whole, ref.clamp(0, 1), atol=1e-5)
    assert (tiled - whole).abs().max() < 1e-4


def test_rrdb_tiles_report_progress_inside_and_stop_there_when_closed(registry) -> None:
    t = _mod(registry, "tiling")
    m = _mod(registry, "models")
    net = m.build_esrgan(
        registry.variant("esrgan").config(scale=4, num_feat=8, num_block=4, num_grow_ch=4)
    )["G"]
    cpu = torch.device("cpu")
    net = t.prepare(net, cpu)
    x = torch.rand(1, 3, 24, 40)
    placed = []
    events = list(t.upscale_tiles(net, x, lambda y, x0, tile: placed.append((y, x0)), 24, 0, cpu))
    fractions = [e.fraction for e in events]
    assert len(events) == 2 * (4 + 1)  # two tiles: four RRDBs each, then the tile itself
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert "tile 1/2, 20%" in events[0].message
    assert placed == [(0, 0), (0, 96)]

    placed.clear()
    gen = t.upscale_tiles(net, x, lambda y, x0, tile: placed.append((y, x0)), 24, 0, cpu)
    next(gen)  # one RRDB into the first tile: the user cancels
    gen.close()
    assert placed == []


def test_tiles_without_overlap_show_seams(registry) -> None:
    t = _mod(registry, "tiling")
    net = _nets(registry)["srvgg"].eval()
    x = torch.rand(1, 3, 32, 32)
    whole, _ = _upscale(t, net, x, 4096, 0)
    seamy, _ = _upscale(t, net, x, 16, 0)
    assert (seamy - whole).abs().max() > 1e-3


def test_out_of_memory_retries_with_smaller_tiles(registry, monkeypatch) -> None:
    t = _mod(registry, "tiling")
    net = t.prepare(_nets(registry)["srvgg"], torch.device("cpu"))
    x = torch.rand(1, 3, 100, 90)
    whole, _ = _upscale(t, net, x, 4096, 0)
    real_forward = net.forward

    def small_tiles_only(inp):
        if max(inp.shape[-2:]) > 60:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return real_forward(inp)

    monkeypatch.setattr(net, "forward", small_tiles_only)
    buf, sink = t.float_sink(3, 200, 180)
    notes: list[str] = []
    events = []
    done = drive(
        t.upscale_with_fallback(net, x, sink, 128, net.halo, torch.device("cpu"), notes),
        events.append,
    )
    assert done["tile"] == 32
    assert [n for n in notes] == [
        "out of memory with 128 px tiles on cpu: retrying with 64 px",
        "out of memory with 64 px tiles on cpu: retrying with 32 px",
    ]
    assert [e.message for e in events if e.data.get("retry")] == notes
    assert (buf - whole).abs().max() < 1e-4


def test_out_of_memory_at_the_smallest_tile_on_cpu_is_reported(registry, monkeypatch) -> None:
    t = _mod(registry, "tiling")
    net = t.prepare(_nets(registry)["srvgg"], torch.device("cpu"))

    def never(inp):
        raise RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried to allocate 9 GB")

    monkeypatch.setattr(net, "forward", never)
    _, sink = t.float_sink(3, 80, 80)
    with pytest.raises(MemoryError, match="even with 32 px tiles"):
        drive(
            t.upscale_with_fallback(
                net, torch.rand(1, 3, 40, 40), sink, 32, 4, torch.device("cpu"), []
            )
        )


def test_other_errors_are_not_taken_for_out_of_memory(registry, monkeypatch) -> None:
    t = _mod(registry, "tiling")
    net = t.prepare(_nets(registry)["srvgg"], torch.device("cpu"))
    monkeypatch.setattr(net, "forward", lambda inp: (_ for _ in ()).throw(ValueError("bad")))
    _, sink = t.float_sink(3, 80, 80)
    with pytest.raises(ValueError, match="bad"):
        drive(
            t.upscale_with_fallback(
                net, torch.rand(1, 3, 40, 40), sink, 64, 4, torch.device("cpu"), []
            )
        )


def test_auto_tile_follows_free_memory(registry, monkeypatch) -> None:
    t = _mod(registry, "tiling")
    net = _nets(registry)["srvgg"]
    cpu = torch.device("cpu")
    monkeypatch.setattr(t, "free_memory", lambda device: 16 << 20)
    small = t.auto_tile(net, cpu, 8)
    monkeypatch.setattr(t, "free_memory", lambda device: 16 << 30)
    large = t.auto_tile(net, cpu, 8)
    assert t.MIN_TILE <= small < large <= t.CPU_MAX_TILE
    assert t.free_memory(cpu) > 0
