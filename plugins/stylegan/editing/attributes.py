"""The ``attributes`` action: move a face along the directions its model carries."""

from __future__ import annotations

from collections.abc import Generator, Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor

from ganstudio.core.specs import ActionResult, ParamError, Progress

from . import slider_name
from .directions import condition
from .wspace import as_ws, broadcast, layer_groups, layer_mask, render_steps, w_for_seeds


def read_latent(latents: Any) -> np.ndarray | None:
    """The W/W+ array of a source's latents (the caller resolved the layer or file)."""
    if latents is None or latents == "":
        return None
    if isinstance(latents, Mapping):
        for key in ("ws", "w"):
            if key in latents:
                return np.asarray(latents[key], dtype=np.float32)
    raise ParamError(
        "source: the layer carries no W latent ('ws' or 'w'); "
        "use one made by generate, attributes or project"
    )


def edit_ws(
    ws: Tensor,
    directions: Mapping[str, Tensor],
    amounts: Mapping[str, float],
    keep_fixed: Sequence[str] = (),
    layers: str = "all",
    groups: dict[str, list[int]] | None = None,
) -> Tensor:
    """ws + Σ amount·direction on the chosen W+ entries, each direction conditioned so the
    ``keep_fixed`` attributes do not move.  ws: (B, num_ws, w_dim)."""
    fixed = [directions[n].to(ws) for n in keep_fixed]
    delta = torch.zeros(ws.shape[-1], dtype=ws.dtype, device=ws.device)
    for name, amount in amounts.items():
        if amount and name not in keep_fixed:
            delta += amount * condition(directions[name].to(ws), fixed)
    mask = layer_mask(ws.shape[1], layers, groups).to(ws)  # (num_ws,)
    return ws + mask[None, :, None] * delta  # (B, num_ws, w_dim)


def edit_attributes(
    model: Any, params: dict[str, Any], inputs: Any = None
) -> Generator[Progress, None, ActionResult]:
    G = model.generator.eval()
    directions: dict[str, Tensor] = dict(model.extras.get("directions", {}))
    keep = [t.strip() for t in params.get("keep_fixed", "").split(",") if t.strip()]
    unknown = [k for k in keep if k not in directions]
    if unknown:
        raise ParamError(
            f"keep_fixed: the model has no direction {unknown[0]!r} "
            f"(it has: {', '.join(directions) or 'none'})"
        )
    source = read_latent(params.get("source"))
    num_ws = int(G.num_ws)
    device = G.w_avg.device
    if source is not None:
        ws = as_ws(source, num_ws, device)
    else:
        ws = broadcast(w_for_seeds(G, [params["seed"]], params["truncation"]), num_ws)
    amounts = {n: float(params.get(slider_name(n), 0.0)) for n in directions}
    edited = edit_ws(ws, directions, amounts, keep, params.get("layers", "all"), layer_groups(G))
    moved = [f"{n}={a:+g}" for n, a in amounts.items() if a]
    images, shown = yield from render_steps(G, edited, inputs)  # cancellable; quick previews
    return ActionResult(
        images,
        layout="grid",
        latents={"ws": edited.cpu().numpy(), "ws_source": ws.cpu().numpy()},
        info={"edits": moved, "keep_fixed": keep, "from_layer": source is not None, **shown},
    )
