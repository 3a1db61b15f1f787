"""generate (coarse to fine from noise) and refine (an image, one layer per level)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import Tensor

from ganstudio.blocks import seeded_normal
from ganstudio.core.specs import ActionResult
from ganstudio.errors import UserError


def seeded_noises(G: Any, seeds: Sequence[int]) -> list[Tensor]:
    """Per level (N, 1, r, r); row i from seed i alone, so any image can be made again."""
    rows = [G.noises(1, torch.Generator().manual_seed(int(s) + 1)) for s in seeds]
    return [torch.cat(level) for level in zip(*rows, strict=True)]


@torch.no_grad()
def generate(model: Any, params: dict[str, Any], inputs: Any = None) -> ActionResult:
    G = model.generator.eval()
    seeds = [params["seed"] + i for i in range(params["count"])]
    z = seeded_normal(len(seeds), model.config.z_dim, seeds=seeds).to(model.device)
    noises = [n.to(model.device) for n in seeded_noises(G, seeds)]
    images = G(z, noises=noises).float().cpu()
    return ActionResult(
        images, layout="grid", latents={"z": z.cpu().numpy()}, info={"seeds": seeds}
    )


def _to_tensor(image: Image.Image, size: int, channels: int) -> Tensor:
    """Any PIL image → (1, C, size, size) in [-1, 1], area-downsampled (box filter)."""
    mode = "L" if channels == 1 else "RGB"
    small = image.convert(mode).resize((size, size), Image.Resampling.BOX)
    a = np.asarray(small, dtype=np.float32).reshape(size, size, channels) / 127.5 - 1.0
    return torch.from_numpy(a).permute(2, 0, 1)[None]


@torch.no_grad()
def refine(model: Any, params: dict[str, Any], inputs: dict[str, Any]) -> ActionResult:
    """Downsample the image to ``from`` px, then let each level add its octave of detail.

    Every level is a layer of the model's full size, bottom (the input at the
    start resolution) to top (the finest), so hiding the top layers walks back
    down the pyramid.
    """
    cfg = model.config
    image = inputs.get("image")
    if image is None:
        raise UserError("refine needs an image (select a layer, or --input IMAGE)")
    start_res = int(params["from"])
    if start_res not in cfg.resolutions[:-1]:
        choices = ", ".join(str(r) for r in cfg.resolutions[:-1])
        raise UserError(f"from must be one of {choices} for this model, got {start_res}")
    start = cfg.resolutions.index(start_res)
    G = model.generator.eval()
    x = _to_tensor(image, start_res, cfg.channels).to(model.device)
    noises = [n.to(model.device) for n in seeded_noises(G, [params["seed"]])]
    levels = G.refine(x, noises, start)  # [start, …, full]
    full = cfg.resolution
    layers = [F.interpolate(y.float(), size=full, mode="nearest").cpu() for y in levels]
    sizes = [y.size(-1) for y in levels]
    names = [f"{sizes[0]}×{sizes[0]} (input)"] + [f"+ detail {r}×{r}" for r in sizes[1:]]
    return ActionResult(
        torch.cat(layers),
        layout="layers",
        info={"seed": params["seed"], "resolutions": sizes, "layer_names": names},
    )
