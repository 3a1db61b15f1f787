"""voxel-preview, image-to-shape and voxels-to-mesh: shapes as results, with rendered views."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import Tensor

from ganstudio.blocks import seeded_normal
from ganstudio.core.specs import ActionResult
from ganstudio.core.voxels import VoxelError, as_grid, render_grid
from ganstudio.errors import UserError

#: size of the rendered view that goes on the canvas with each shape
VIEW = 256


def _views(grids: np.ndarray, threshold: float, smooth: float) -> list[Any]:
    return [
        render_grid(g, size=VIEW, threshold=threshold, smooth=smooth, supersample=2) for g in grids
    ]


@torch.no_grad()
def _shapes(model: Any, z: Tensor) -> np.ndarray:
    G = model.generator.eval()
    return G(z.to(model.device)).float().cpu()[:, 0].numpy()  # (N, R, R, R)


def _slerp(a: Tensor, b: Tensor, t: Tensor) -> Tensor:
    a_n, b_n = a / a.norm(dim=-1, keepdim=True), b / b.norm(dim=-1, keepdim=True)
    omega = torch.acos((a_n * b_n).sum(-1, keepdim=True).clamp(-1 + 1e-7, 1 - 1e-7))
    so = torch.sin(omega)
    return (torch.sin((1 - t) * omega) / so) * a + (torch.sin(t * omega) / so) * b


def _result(
    grids: np.ndarray, z: Tensor, params: dict[str, Any], info: dict[str, Any]
) -> ActionResult:
    threshold, smooth = params["threshold"], params["smooth"]
    solid = [(g >= threshold).sum() for g in grids]
    info = {
        **info,
        "threshold": threshold,
        "smooth": smooth,
        "solid_voxels": [int(n) for n in solid],
    }
    return ActionResult(
        images=_views(grids, threshold, smooth),
        layout="strip",
        latents={"z": z.numpy()},
        info=info,
        voxels=grids[0] if len(grids) == 1 else grids,
    )


def voxel_preview(model: Any, params: dict[str, Any], inputs: Any = None) -> ActionResult:
    """One shape from ``seed``, or ``frames`` shapes walking from ``seed`` to ``seed_b``."""
    z_dim = int(model.config.z_dim)
    if params["mode"] == "interpolate":
        za, zb = seeded_normal(2, z_dim, seeds=[params["seed"], params["seed_b"]])
        t = torch.linspace(0, 1, params["frames"]).unsqueeze(1)  # (F, 1)
        z = _slerp(za.expand(len(t), -1), zb.expand(len(t), -1), t)
        seeds = [params["seed"], params["seed_b"]]
    else:
        z = seeded_normal(1, z_dim, seeds=[params["seed"]])
        seeds = [params["seed"]]
    z = z * params["truncation"]
    return _result(_shapes(model, z), z, params, {"seeds": seeds, "mode": params["mode"]})


def image_to_shape(model: Any, params: dict[str, Any], inputs: dict[str, Any]) -> ActionResult:
    """The image (a render, or a photo on a plain background) → z by the encoder → a shape."""
    from PIL import Image

    from .models import load_encoder

    E = load_encoder(model)
    if E is None:
        raise UserError(
            "this model has no image encoder; train one with scripts/train_gan3d_demo.py "
            "(--encoder-only MODEL)"
        )
    image = inputs["image"]
    size = int(model.config.encoder_size)
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")  # transparent parts become the renders' white ground
        image = Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba)
    square = _square(image.convert("RGB")).resize((size, size), Image.Resampling.LANCZOS)
    pixels = torch.from_numpy(np.asarray(square, dtype=np.float32)).permute(2, 0, 1)[None]
    with torch.no_grad():
        z = E((pixels / 127.5 - 1.0).to(model.device)).float().cpu()  # (1, z_dim)
    return _result(_shapes(model, z), z, params, {"from": "image"})


def _square(image: Any) -> Any:
    """Pad to a square with the corner colour (a plain background stays plain)."""
    from PIL import Image

    w, h = image.size
    side = max(w, h)
    out = Image.new("RGB", (side, side), image.getpixel((0, 0)))
    out.paste(image, ((side - w) // 2, (side - h) // 2))
    return out


def voxels_to_mesh(model: Any, params: dict[str, Any], inputs: dict[str, Any]) -> ActionResult:
    """A voxel file → the same grid, viewed; the caller writes the mesh the user named."""
    if inputs.get("voxels") is None:  # the GUI has no voxel layer: the viewer's Export does this
        raise UserError(
            "voxels-to-mesh takes a voxel file: 'ganstudio run voxels-to-mesh --input "
            "GRID.binvox -o MESH.obj', or the voxel viewer's Open… and Export…"
        )
    try:
        grid = as_grid(inputs["voxels"], "the input grid")
    except VoxelError as exc:
        raise UserError(str(exc)) from None
    threshold, smooth = params["threshold"], params["smooth"]
    if not (grid >= threshold).any():
        raise UserError(
            f"the grid is empty at threshold {threshold:g} (highest occupancy "
            f"{float(grid.max()):.2f}): nothing to mesh; lower the threshold"
        )
    return ActionResult(
        images=_views(grid[None], threshold, smooth),
        info={
            "threshold": threshold,
            "smooth": smooth,
            "solid_voxels": int((grid >= threshold).sum()),
        },
        voxels=grid,
    )
