"""reconstruct, encode, generate, morph-photos, denoise and inpaint.

Any image size comes in: it is fitted to the model's square resolution and the
result is scaled back to the input's size, so a layer comes back where it was.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch
from PIL import Image, ImageFilter
from torch import Tensor

from ganstudio.blocks import seeded_normal
from ganstudio.core.specs import ActionResult, ParamError
from ganstudio.errors import UserError


def _to_tensor(image: Image.Image, model: Any) -> Tensor:
    """A PIL image (any mode) → (1, C, R, R) in [-1, 1] at the model's resolution."""
    cfg = model.config
    mode = "L" if cfg.channels == 1 else "RGB"
    if image.mode in ("RGBA", "LA"):  # transparent pixels over mid grey, not black
        base = Image.new("RGBA", image.size, (128, 128, 128, 255))
        image = Image.alpha_composite(base, image.convert("RGBA"))
    small = image.convert(mode).resize((cfg.resolution, cfg.resolution), Image.Resampling.LANCZOS)
    arr = np.asarray(small, dtype=np.float32).reshape(cfg.resolution, cfg.resolution, -1)
    return torch.from_numpy(arr / 127.5 - 1).permute(2, 0, 1)[None].to(model.device)


def _to_image(x: Tensor, size: tuple[int, int] | None = None) -> Image.Image:
    """(C, R, R) in [-1, 1] → PIL, scaled to ``size`` when given."""
    arr = ((x.float().clamp(-1, 1) + 1) * 127.5).round().byte().permute(1, 2, 0).cpu().numpy()
    image = Image.fromarray(arr[..., 0] if arr.shape[2] == 1 else arr)
    return image if size is None else image.resize(size, Image.Resampling.BICUBIC)


def _mean_latent(model: Any, x: Tensor, hole: Tensor | None = None) -> Tensor:
    return model.generator.encode(x, hole)[0]  # μ for a VAE: the photo's own code


@torch.no_grad()
def reconstruct(model: Any, params: dict[str, Any], inputs: dict[str, Any]) -> ActionResult:
    """Encode and decode: what the model keeps of a face."""
    image = inputs["image"]
    x = _to_tensor(image, model)
    z = _mean_latent(model, x)
    out = model.generator.decode(z)[0]
    size = image.size if params.get("keep_size", True) else None
    return ActionResult(images=[_to_image(out, size)], latents={"z": z.cpu().numpy()})


@torch.no_grad()
def encode(model: Any, params: dict[str, Any], inputs: dict[str, Any]) -> ActionResult:
    """The image's latent, kept with the new layer (its decoding) for later actions."""
    image = inputs["image"]
    z = _mean_latent(model, _to_tensor(image, model))
    out = model.generator.decode(z)[0]
    info = {"latent_dim": int(z.size(1)), "latent_norm": round(float(z.norm()), 4)}
    return ActionResult(
        images=[_to_image(out, image.size)], latents={"z": z.cpu().numpy()}, info=info
    )


def latent_from(source: Mapping[str, Any] | None, model: Any, name: str) -> Tensor | None:
    """An encoded layer's ``z`` as (1, latent_dim); a clear error for any other layer."""
    if source is None:
        return None
    dim = model.config.latent_dim
    z = source.get("z")
    arr = np.asarray(z, dtype=np.float32) if z is not None else None
    if arr is None or arr.size != dim:
        raise ParamError(
            f"{name}: pick a layer made by this model's 'encode' (a latent of {dim} numbers)"
        )
    return torch.from_numpy(arr.reshape(1, dim)).to(model.device)


@torch.no_grad()
def generate(model: Any, params: dict[str, Any], inputs: Any = None) -> ActionResult:
    """Faces from the VAE's prior, or variations around an encoded photo (``around``)."""
    cfg = model.config
    seeds = [params["seed"] + i for i in range(params["count"])]
    eps = seeded_normal(len(seeds), cfg.latent_dim, seeds).to(model.device)
    centre = latent_from(params.get("around"), model, "around")
    z = eps * params["temperature"] if centre is None else centre + eps * params["temperature"]
    images = model.generator.decode(z).float().cpu()
    return ActionResult(
        images=images, layout="grid", latents={"z": z.cpu().numpy()}, info={"seeds": seeds}
    )


@torch.no_grad()
def morph_photos(model: Any, params: dict[str, Any], inputs: dict[str, Any]) -> ActionResult:
    """The input photo's latent walked to another encoded photo's (``to``; left empty: to
    the latent origin, a VAE's average face): a strip or a GIF."""
    image = inputs["image"]
    z_a = _mean_latent(model, _to_tensor(image, model))
    z_b = latent_from(params.get("to"), model, "to")
    if z_b is None:  # no second photo: towards the latent origin (a VAE's average face)
        z_b = torch.zeros_like(z_a)
    t = torch.linspace(0, 1, params["frames"], device=model.device)[:, None]  # (F, 1)
    z = (1 - t) * z_a + t * z_b  # (F, latent_dim)
    frames = model.generator.decode(z).float().cpu()
    return ActionResult(
        images=frames,
        layout=params["layout"],
        latents={"z": z.cpu().numpy()},
        info={"frames": len(t)},
    )


@torch.no_grad()
def denoise(model: Any, params: dict[str, Any], inputs: dict[str, Any]) -> ActionResult:
    """The model's clean reconstruction, mixed with the input by ``strength``."""
    image = inputs["image"]
    x = _to_tensor(image, model)
    out = _to_image(model.generator.decode(_mean_latent(model, x))[0], image.size)
    base = image.convert(out.mode)
    result = Image.blend(base, out, float(params["strength"]))
    if image.mode in ("RGBA", "LA"):
        result.putalpha(image.getchannel("A"))
    return ActionResult(images=[result])


@torch.no_grad()
def inpaint(model: Any, params: dict[str, Any], inputs: dict[str, Any]) -> ActionResult:
    """Fill the masked region from the model; every pixel outside it is kept as it was."""
    image, mask = inputs["image"], inputs.get("mask")
    if mask is None:
        raise UserError(
            "inpaint needs a mask: paint the region out with the mask brush (or select a "
            "rectangle) in the editor, or give --mask MASK.png (white = the region)"
        )
    mask = mask.convert("L")
    if mask.size != image.size:
        mask = mask.resize(image.size, Image.Resampling.BILINEAR)
    res = model.config.resolution
    small = np.asarray(mask.resize((res, res), Image.Resampling.BOX), dtype=np.float32) / 255
    hole = torch.from_numpy((small > 0.05).astype(np.float32))[None, None].to(model.device)
    x = _to_tensor(image, model)
    filled = model.generator.decode(_mean_latent(model, x, hole))[0]  # (C, R, R)
    model_out = _to_image(filled, image.size)
    feather = int(params["feather"])
    blend = mask.filter(ImageFilter.GaussianBlur(feather)) if feather else mask
    blend = Image.fromarray(np.minimum(np.asarray(blend), np.asarray(mask)))  # inward only
    base = image.convert("RGBA") if image.mode in ("RGBA", "LA") else image.convert(model_out.mode)
    fill = model_out.convert(base.mode)
    if base.mode == "RGBA":
        fill.putalpha(255)
    return ActionResult(
        images=[Image.composite(fill, base, blend)],
        info={"hole_px": int((np.asarray(mask) > 127).sum())},
    )
