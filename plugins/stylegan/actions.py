"""generate, interpolate and style-mix for StyleGAN2 models (all through W+)."""

from __future__ import annotations

import math
import time
from collections.abc import Generator, Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from ganstudio.blocks import seeded_normal
from ganstudio.core.specs import ActionResult, ParamError, Progress

from .networks import as_ws


def _G(model: Any) -> Any:
    return model.generator.eval()


#: the ``inputs`` key of a quick slider preview: the largest size (px) worth rendering.
#: The GUI's interactive lane sets it while a slider moves, then asks again without it.
PREVIEW_KEY = "preview_resolution"


def preview_limit(G: Any, inputs: Mapping[str, Any] | None) -> int | None:
    """The size a preview request asks for, when it is below the model's own."""
    value = (inputs or {}).get(PREVIEW_KEY)
    if not value:
        return None
    size = int(value)
    return size if 4 <= size < int(G.resolution) else None


@torch.no_grad()
def render_steps(
    G: Any, ws: Tensor, inputs: Mapping[str, Any] | None = None, batch: int = 64
) -> Generator[Progress, None, tuple[Tensor, dict[str, Any]]]:
    """W+ (N, num_ws, w_dim) → (images (N, C, H, W) on the CPU, info), block by block.

    A progress event after every block lets a job be cancelled mid-image (a
    1024 px render takes seconds on a CPU).  Given a preview request
    (``inputs[PREVIEW_KEY]``), synthesis stops at that size and returns the
    skip architecture's RGB so far; ``info`` then says so (``preview_scale``:
    full size / this size, and ``preview_ms``), so the caller can draw it at
    full size and ask for the final image when the slider rests.
    """
    limit = preview_limit(G, inputs)
    device = G.w_avg.device
    t0 = time.perf_counter()
    out = []
    for start in range(0, len(ws), batch):
        img = ws
        for res, rgb in G.synthesis.progressive(
            ws[start : start + batch].to(device), "const", limit
        ):
            img = rgb
            done = start + min(batch, len(ws) - start) * _block_share(res, limit or G.resolution)
            yield Progress(
                message=f"{res} px", fraction=min(1.0, done / len(ws)), data={"resolution": res}
            )
        out.append(img.float().cpu())
    images = torch.cat(out)  # (N, C, H, W)
    info: dict[str, Any] = {}
    if images.shape[-1] < G.resolution:
        info = {
            "preview_scale": G.resolution / images.shape[-1],
            "preview_ms": round(1000 * (time.perf_counter() - t0)),
        }
    return images, info


@torch.no_grad()
def _synth(model: Any, ws: Tensor) -> Tensor:
    """W+ (N, num_ws, w_dim) → images (N, C, H, W) on the CPU, with the stored noise."""
    return _G(model).synthesis(ws.to(model.device), noise_mode="const").float().cpu()


@torch.no_grad()
def seeds_to_ws(model: Any, seeds: list[int], psi: float) -> tuple[Tensor, Tensor]:
    """(z (N, z_dim), truncated W+ (N, num_ws, w_dim)) for one seed per image."""
    G = _G(model)
    z = seeded_normal(len(seeds), G.z_dim, seeds=seeds)
    w = G.mapping(z.to(model.device))  # (N, w_dim)
    ws = G.truncate(w.unsqueeze(1).repeat(1, G.num_ws, 1), psi)
    return z, ws.float().cpu()


def generate(
    model: Any, params: dict[str, Any], inputs: Any = None
) -> Generator[Progress, None, ActionResult]:
    seeds = [params["seed"] + i for i in range(params["count"])]
    z, ws = seeds_to_ws(model, seeds, params["truncation"])
    images, shown = yield from render_steps(_G(model), ws, inputs)
    return ActionResult(
        images,
        layout="grid",
        latents={"z": z.numpy(), "ws": ws.numpy()},
        info={"seeds": seeds, **shown},
    )


def slerp(a: Tensor, b: Tensor, t: Tensor) -> Tensor:
    """Spherical interpolation: stays on the shell where Gaussian z live."""
    a_n, b_n = F.normalize(a, dim=-1), F.normalize(b, dim=-1)
    omega = torch.acos((a_n * b_n).sum(-1, keepdim=True).clamp(-1 + 1e-7, 1 - 1e-7))
    so = torch.sin(omega)
    return (torch.sin((1 - t) * omega) / so) * a + (torch.sin(t * omega) / so) * b


@torch.no_grad()
def interpolate(model: Any, params: dict[str, Any], inputs: Any = None) -> ActionResult:
    G = _G(model)
    seeds = [params["seed_a"], params["seed_b"]]
    t = torch.linspace(0, 1, params["frames"]).unsqueeze(1)  # (F, 1)
    if params.get("source_a") is not None or params.get("source_b") is not None:
        psi = params["truncation"]
        ws_a = _source_ws(model, params.get("source_a"), seeds[0], psi)  # (1, num_ws, w_dim)
        ws_b = _source_ws(model, params.get("source_b"), seeds[1], psi)
        ws = torch.lerp(ws_a.float(), ws_b.float(), t[:, :, None])  # (F, num_ws, w_dim)
        return ActionResult(
            _synth(model, ws),
            layout="strip",
            latents={"ws": ws.numpy()},
            info={"seeds": seeds, "mode": "lerp-w+"},
        )
    za, zb = seeded_normal(2, G.z_dim, seeds=seeds)
    if params["mode"] == "slerp-z":
        z = slerp(za.expand(len(t), -1), zb.expand(len(t), -1), t)
        w = G.mapping(z.to(model.device)).cpu()  # (F, w_dim)
    else:
        wa, wb = G.mapping(torch.stack([za, zb]).to(model.device)).cpu()
        w = torch.lerp(wa.expand(len(t), -1), wb.expand(len(t), -1), t)
    ws = (
        G.truncate(w.unsqueeze(1).repeat(1, G.num_ws, 1).to(model.device), params["truncation"])
        .float()
        .cpu()
    )
    return ActionResult(
        _synth(model, ws),
        layout="strip",
        latents={"ws": ws.numpy()},
        info={"seeds": seeds, "mode": params["mode"]},
    )


# --------------------------------------------------------------------------- style mixing


def _latent_of(value: Any) -> Any:
    """The W/W+ array a source's latents carry (the caller resolved the layer or file)."""
    if isinstance(value, Mapping):
        for key in ("ws", "w"):
            if key in value:
                return value[key]
        raise ParamError("the source layer carries no W latent (ws or w)")
    return value


def _source_ws(model: Any, value: Any, seed: int, psi: float) -> Tensor:
    """One W+ (1, num_ws, w_dim): from the source layer when given, else from the seed."""
    G = _G(model)
    if value is None or (isinstance(value, str) and not value.strip()):
        return seeds_to_ws(model, [seed], psi)[1]
    try:
        ws = as_ws(_latent_of(value), G.num_ws, G.w_dim)
    except (ValueError, TypeError) as exc:
        raise ParamError(f"source: {exc}") from None
    return ws[:1]


def crossover(G: Any, params: Mapping[str, Any]) -> list[int]:
    """The W+ indices that come from source B."""
    if params["styles"] == "range":
        lo, hi = sorted((params["layer_from"], params["layer_to"]))
        idx = [i for i in range(lo, hi + 1) if i < G.num_ws]
        if not idx:
            raise ParamError(f"layer range {lo}–{hi} is outside this model's 0–{G.num_ws - 1}")
        return idx
    idx = G.layer_groups()[params["styles"]]
    if not idx:
        raise ParamError(f"this {G.resolution} px model has no {params['styles']} styles")
    return idx


def mix(ws_a: Tensor, ws_b: Tensor, indices: list[int]) -> Tensor:
    """W+ of A with the entries ``indices`` taken from B (broadcast over the batch)."""
    n = max(len(ws_a), len(ws_b))
    out = ws_a.expand(n, -1, -1).clone()
    out[:, indices] = ws_b[:, indices].to(out.dtype).expand(n, -1, -1)
    return out


def _seed_list(text: str, start: int, n: int) -> list[int]:
    if not text.strip():
        return [start + i for i in range(n)]
    try:
        return [int(s) for s in text.replace(";", ",").split(",") if s.strip()]
    except ValueError:
        raise ParamError(f"expected comma-separated seeds, got {text!r}") from None


def _grid_image(corner: Tensor, tops: Tensor, lefts: Tensor, cells: Tensor, pad: int = 2) -> Tensor:
    """The paper's figure as one (1, C, H', W') image: sources on top, destinations on the left."""
    rows, cols = len(lefts), len(tops)
    c, h, w = cells.shape[1:]
    grid = torch.full((c, (rows + 1) * (h + pad) + pad, (cols + 1) * (w + pad) + pad), -0.8)
    tiles = [[corner] + list(tops)] + [
        [lefts[r]] + list(cells[r * cols : (r + 1) * cols]) for r in range(rows)
    ]
    for r, row in enumerate(tiles):
        for k, tile in enumerate(row):
            y, x = pad + r * (h + pad), pad + k * (w + pad)
            grid[:, y : y + h, x : x + w] = tile
    return grid[None]


def style_mix(
    model: Any, params: dict[str, Any], inputs: Any = None
) -> Generator[Progress, None, ActionResult]:
    G = _G(model)
    idx = crossover(G, params)
    psi = params["truncation"]
    if params["grid"]:
        n = params["grid_size"]
        rows = _seed_list(params["rows"], params["seed_a"], n)
        cols = _seed_list(params["columns"], params["seed_b"], n)
        ws_rows = seeds_to_ws(model, rows, psi)[1]  # (R, num_ws, w_dim)
        ws_cols = seeds_to_ws(model, cols, psi)[1]  # (K, num_ws, w_dim)
        mixed = torch.cat([mix(ws_rows[r : r + 1], ws_cols, idx) for r in range(len(rows))])
        imgs, shown = yield from render_steps(G, torch.cat([ws_rows, ws_cols, mixed]), inputs)
        left, top, cells = (
            imgs[: len(rows)],
            imgs[len(rows) : len(rows) + len(cols)],
            imgs[len(rows) + len(cols) :],
        )
        grid = _grid_image(torch.full_like(left[0], -0.8), top, left, cells)
        return ActionResult(
            grid,
            layout="grid",
            latents={"ws": mixed.numpy()},
            info={"rows": rows, "columns": cols, "layers_from_b": idx, **shown},
        )
    ws_a = _source_ws(model, params["source_a"], params["seed_a"], psi)
    ws_b = _source_ws(model, params["source_b"], params["seed_b"], psi)
    ws = mix(ws_a, ws_b, idx)
    images, shown = yield from render_steps(G, ws, inputs)
    return ActionResult(
        images, layout="grid", latents={"ws": ws.numpy()}, info={"layers_from_b": idx, **shown}
    )


def _block_share(res: int, top: int) -> float:
    """How far synthesis is once the ``res`` block is done (4 px … ``top``), so a
    terminal shows a bar rather than one line per block."""
    return (math.log2(res) - 1) / max(1.0, math.log2(top) - 1)
