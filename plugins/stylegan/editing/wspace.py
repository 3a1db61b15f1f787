"""W-space helpers shared by the editing actions.

They rely only on the W-space generator interface: ``G.z_dim``, ``G.w_dim``,
``G.num_ws``, ``G.mapping(z) -> (B, w_dim)``, ``G.synthesis(ws, noise_mode=...)``
and the ``G.w_avg`` buffer, so they work with any W-space variant.
"""

from __future__ import annotations

import math
import time
from collections.abc import Generator, Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor

from ganstudio.core.specs import Progress

#: StyleGAN's convention: W+ entries 0-3 drive 4-8 px (pose, face shape),
#: 4-7 drive 16-32 px (features, expression), the rest colour and texture.
LAYER_RANGES = ("all", "coarse", "middle", "fine")


def z_for_seeds(seeds: Sequence[int], z_dim: int) -> Tensor:
    """(n, z_dim) normal latents, one seed per row: seed s gives the same face everywhere."""
    rows = [torch.randn(z_dim, generator=torch.Generator().manual_seed(int(s))) for s in seeds]
    return torch.stack(rows)


def truncate(w: Tensor, w_avg: Tensor, psi: float) -> Tensor:
    """Pull w toward the average: psi < 1 trades variety for cleaner images."""
    return w_avg + psi * (w - w_avg)


@torch.no_grad()
def w_for_seeds(G: Any, seeds: Sequence[int], truncation: float = 1.0) -> Tensor:
    """(n, w_dim) mapped latents of ``seeds`` on G's device."""
    device = G.w_avg.device
    w = G.mapping(z_for_seeds(seeds, int(G.z_dim)).to(device))  # (n, w_dim)
    return truncate(w, G.w_avg, truncation) if truncation != 1.0 else w


@torch.no_grad()
def sample_w(G: Any, n: int, seed: int, batch: int = 512) -> Tensor:
    """(n, w_dim) w's of one seeded random stream (for fitting; cheap: mapping only)."""
    gen = torch.Generator().manual_seed(int(seed))
    out = []
    for start in range(0, n, batch):
        z = torch.randn(min(batch, n - start), int(G.z_dim), generator=gen)
        out.append(G.mapping(z.to(G.w_avg.device)).float())
    return torch.cat(out)


def broadcast(w: Tensor, num_ws: int) -> Tensor:
    """(B, w_dim) -> (B, num_ws, w_dim): the same style for every layer."""
    return w.unsqueeze(1).repeat(1, num_ws, 1)


def layer_groups(G: Any) -> dict[str, list[int]]:
    """W+ indices of the coarse / middle / fine styles: the generator's own split
    (``G.layer_groups()``) when it has one, else the paper's 0-3 / 4-7 / 8+."""
    own = getattr(G, "layer_groups", None)
    if callable(own):
        return {k: list(v) for k, v in own().items()}
    n = int(G.num_ws)
    return {
        "coarse": list(range(min(4, n))),
        "middle": list(range(min(4, n), min(8, n))),
        "fine": list(range(min(8, n), n)),
    }


def layer_mask(num_ws: int, which: str, groups: dict[str, list[int]] | None = None) -> Tensor:
    """(num_ws,) float mask of the W+ entries an edit of ``which`` styles touches."""
    mask = torch.zeros(num_ws)
    if which == "all":
        mask[:] = 1.0
    else:
        index: Sequence[int] | None = (groups or {}).get(which)
        if index is None:
            index = {"coarse": range(0, 4), "middle": range(4, 8), "fine": range(8, num_ws)}[which]
        mask[[i for i in index if i < num_ws]] = 1.0
    return mask


@torch.no_grad()
def render(G: Any, ws: Tensor, noise_mode: str = "const", batch: int = 64) -> Tensor:
    """(B, num_ws, w_dim) -> (B, 3, H, W) float32 on the CPU, in [-1, 1]."""
    out = [
        G.synthesis(ws[i : i + batch], noise_mode=noise_mode).float().cpu()
        for i in range(0, len(ws), batch)
    ]
    return torch.cat(out).clamp(-1, 1)


@torch.no_grad()
def render_steps(
    G: Any, ws: Tensor, inputs: Mapping[str, Any] | None = None, batch: int = 64
) -> Generator[Progress, None, tuple[Tensor, dict[str, Any]]]:
    """:func:`render` as a job step: with a generator that synthesises block by block
    (``G.synthesis.progressive``, StyleGAN2's skip generator) it yields between blocks
    (so a job can be cancelled mid-image) and honours a slider preview request
    (``inputs["preview_resolution"]``: stop at that size; ``info`` says
    ``preview_scale``).  Other generators render in one go, at full size."""
    progressive = getattr(G.synthesis, "progressive", None)
    value = int((inputs or {}).get("preview_resolution") or 0)
    full = int(getattr(G, "resolution", 0) or 0)
    limit = value if progressive is not None and 4 <= value < full else None
    t0 = time.perf_counter()
    out = []
    for start in range(0, len(ws), batch):
        chunk = ws[start : start + batch]
        if progressive is None:
            img = G.synthesis(chunk, noise_mode="const")
        else:
            for res, img in progressive(chunk, "const", limit):  # noqa: B007 - last one kept
                share = (math.log2(res) - 1) / max(1.0, math.log2(limit or full) - 1)
                done = (start + len(chunk) * share) / len(ws)
                yield Progress(
                    message=f"{res} px", fraction=min(1.0, done), data={"resolution": res}
                )
        out.append(img.float().cpu())
    images = torch.cat(out).clamp(-1, 1)
    info: dict[str, Any] = {}
    if limit is not None and images.shape[-1] < full:
        info = {
            "preview_scale": full / images.shape[-1],
            "preview_ms": round(1000 * (time.perf_counter() - t0)),
        }
    return images, info


def as_ws(latent: Any, num_ws: int, device: torch.device) -> Tensor:
    """A stored latent (``w`` (w_dim,) / (1, w_dim) or ``ws`` (num_ws, w_dim) / (1, num_ws,
    w_dim)) as a (1, num_ws, w_dim) tensor."""
    t = torch.as_tensor(np.asarray(latent), dtype=torch.float32, device=device)
    if t.ndim == 3:
        t = t[:1]
    elif t.ndim == 2 and t.shape[0] == num_ws and num_ws > 1:
        t = t.unsqueeze(0)
    else:
        t = broadcast(t.reshape(1, -1), num_ws)
    if t.shape[1] != num_ws:
        raise ValueError(f"latent has {t.shape[1]} W+ entries, the model needs {num_ws}")
    return t
