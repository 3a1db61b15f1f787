"""The ``super-resolve`` action: any image, any size, tile by tile, cancellable.

A generator: it yields a Progress per tile (and one per out-of-memory retry)
and returns an ActionResult whose single image keeps the input's alpha,
greyscale-ness, 16-bit depth and ICC profile (see ``pixels.py``).
"""

from __future__ import annotations

import copy
from collections.abc import Generator, Mapping
from typing import Any

import torch
from torch import nn

from ganstudio.core.specs import ActionResult, Progress

from .pixels import ImageSink, finish, model_input, split
from .tiling import auto_overlap, auto_tile, prepare, upscale_with_fallback


def denoised_generator(model: Any, strength: float) -> tuple[nn.Module, bool]:
    """Real-ESRGAN's ``dni``: blend G with its weak-denoise twin ``G_weak`` by ``strength``.

    Only a model file that carries a ``G_weak`` role supports it; for others
    the generator is returned unchanged and the flag says the knob was ignored.
    """
    G = model.generator
    weak = getattr(model, "extras", {}).get("G_weak")
    if not weak:
        return G, False
    net = copy.deepcopy(G)
    with torch.no_grad():
        for name, p in net.state_dict().items():
            p.copy_(strength * p + (1 - strength) * weak[name].to(p.device, p.dtype))
    return net, True


def super_resolve(
    model: Any, params: Mapping[str, Any], inputs: Mapping[str, Any] | None = None
) -> Generator[Progress, None, ActionResult]:
    image = (inputs or {}).get("image")
    if image is None:
        raise ValueError("super-resolve needs an input image")
    planes = split(image)
    net, denoise_used = denoised_generator(model, float(params.get("denoise", 0.5)))
    device = torch.device(model.device)
    net = prepare(net, device)
    scale = int(net.scale)  # type: ignore[arg-type]  # plain int attributes of SR nets
    x = model_input(planes, int(net.in_ch))  # type: ignore[arg-type]  # (1, C, H, W)
    h, w = x.shape[-2:]
    overlap = params.get("tile_overlap", -1)
    overlap = auto_overlap(net) if overlap < 0 else int(overlap)
    tile = int(params.get("tile", 0)) or auto_tile(net, device, overlap)
    notes = planes.notes  # finish() may add to it too
    sink = ImageSink(w * scale, h * scale, planes.grey, planes.bits)
    done = yield from upscale_with_fallback(net, x, sink, tile, overlap, device, notes)
    out = finish(sink.image, planes, float(params.get("outscale", 0.0)), scale)
    info: dict[str, Any] = {
        "scale": scale,
        "tile": done["tile"],
        "tiles": done["tiles"],
        "tile_overlap": overlap,
        "device": done["device"],
        "input_mode": image.mode,
        "output_mode": out.mode,
        "denoise": float(params.get("denoise", 0.5))
        if denoise_used
        else "not supported by this model",
    }
    if notes:
        info["notes"] = notes
    return ActionResult([out], layout="grid", info=info)
