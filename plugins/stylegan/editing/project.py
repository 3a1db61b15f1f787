"""The ``project`` action: find the W+ latent (and noise) that redraws a face in a photo.

The photo goes through GAN Studio's photo pipeline (``ganstudio.core.photo``):
the face is detected and aligned the way the model's faces are framed (FFHQ's
recipe, or the model's own template), projected here, and the reconstruction
is blended back into the photo.  The result is a photo-sized image whose
latents carry the W+ latent *and* the alignment, so any later latent edit of
it goes back into the same place of the photo.

After Karras et al.'s StyleGAN2 projector, coarse to fine: first one ``w``
for every layer (in W, where the model's faces live), then per-layer offsets
(W+) held near it, with the per-layer noise maps regularised so they cannot
smuggle the image in.  The distance is an LPIPS-style VGG16 distance when the
user gives a local VGG16 weights file, else a pixel + gradient pyramid.
Optional pivotal tuning (Roich et al. 2021) then fine-tunes a *copy* of the
synthesis network around the latent; the tuned weights belong to one photo
and are not stored, the tuned reconstruction is the output image.

The action is ``stoppable``: asked to stop (the GUI's "Stop", the CLI's first
Ctrl-C), it ends its iterations and returns the best latent so far, blended
into the photo like a finished projection, so it can be edited further.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Generator
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import Tensor

from ganstudio.core.photo import (
    PhotoFace,
    aligned_face,
    blend_face,
    blend_into_photo,
    centre_face,
    face_region,
    face_template,
    locate_face,
    photo_arrays,
)
from ganstudio.core.specs import ActionResult, ParamError, Progress, StopRequested

from .losses import Distance, make_distance, pixel_pyramid
from .wspace import broadcast, sample_w

#: share of the steps spent in W (one w for all layers) before W+ opens up
_W_PHASE = 0.4
#: weight of the W+ offsets' distance from the shared w (in units of w's spread)
_WPLUS_REG = 0.005
_NOISE_REG = 1e4


def reconstruction_loss(x: Tensor, y: Tensor, levels: int = 3) -> Tensor:
    """The default distance (kept under its old name for scripts)."""
    return pixel_pyramid(x, y, levels)


def noise_regularizer(maps: list[Tensor]) -> Tensor:
    """StyleGAN2's penalty on spatially correlated noise, so the noise inputs cannot
    smuggle the image in (it stays in W+, where edits act)."""
    total = maps[0].new_zeros(()) if maps else torch.zeros(())
    for noise in maps:
        n = noise.reshape(-1, 1, *noise.shape[-2:])
        while True:
            total = total + (n * n.roll(1, dims=3)).mean() ** 2
            total = total + (n * n.roll(1, dims=2)).mean() ** 2
            if n.shape[-1] <= 8:
                break
            n = F.avg_pool2d(n, 2)
    return total


def to_tensor(image: Image.Image, device: torch.device) -> Tensor:
    arr = np.asarray(image.convert("RGB"), dtype=np.float32) / 127.5 - 1.0  # (H, W, 3)
    return torch.from_numpy(arr).permute(2, 0, 1).unsqueeze(0).to(device)  # (1, 3, H, W)


def to_pil(x: Tensor) -> Image.Image:
    arr = ((x[0].detach().float().cpu().clamp(-1, 1) + 1) * 127.5).round().byte()
    return Image.fromarray(arr.permute(1, 2, 0).numpy(), "RGB")


def psnr(x: Tensor, y: Tensor) -> float:
    """dB, for images in [-1, 1] (peak-to-peak 2)."""
    mse = float(F.mse_loss(x.clamp(-1, 1), y.clamp(-1, 1)))
    return 10 * math.log10(4.0 / max(mse, 1e-10))


def find_face(
    photo: Image.Image, params: dict[str, Any], resolution: int, meta: dict[str, Any] | None
) -> PhotoFace:
    """The face to project, aligned to how the model frames faces."""
    if params["align"] == "none":
        return centre_face(photo, resolution)
    face = params["face"] if params["face"] >= 0 else None
    template = None if params["align"] == "ffhq" else face_template(meta)
    return locate_face(photo, resolution, face, template)


def _noise_buffers(Gc: Any) -> list[Tensor]:
    return [
        b
        for name, b in Gc.named_buffers()
        if "noise" in name.lower() and b.is_floating_point() and b.ndim >= 2
    ]


def project(
    model: Any, params: dict[str, Any], inputs: dict[str, Any]
) -> Generator[Progress, None, ActionResult]:
    photo = inputs.get("image")
    if photo is None:
        raise ParamError("project needs an input image")
    G = model.generator.eval()
    device = G.w_avg.device
    num_ws = int(G.num_ws)
    resolution = int(getattr(G, "resolution", 0) or getattr(model.config, "resolution", 0))
    face = find_face(photo, params, resolution, getattr(model, "meta", None))
    aligned = aligned_face(photo, face)
    target = to_tensor(aligned, device)  # (1, 3, R, R)
    distance, loss_name = make_distance(params["vgg_weights"], device)

    region = face_region(face.alignment)
    base = photo if photo.mode in ("RGB", "RGBA", "L", "LA") else photo.convert("RGB")

    def over_photo(x: Tensor) -> Image.Image:  # the live preview, over the face
        return blend_face(base, to_pil(x), face.alignment, region)

    Gc = copy.deepcopy(G).eval().requires_grad_(False)
    ws, recon, best = yield from _optimise_latent(Gc, target, distance, params, num_ws, over_photo)
    info: dict[str, Any] = {
        **face.info(),
        "loss": loss_name,
        "noise_maps": best["noise_maps"],
        "steps_done": best["steps"],
        "psnr_projection": round(psnr(recon, target), 2),
    }
    if best["stopped"]:  # asked to stop: the best latent so far, no tuning after it
        info["stopped_early"] = True
    elif params["pivotal_tuning"]:
        recon, tuned = yield from _pivotal_tuning(
            Gc, ws, target, params["pti_steps"], distance, over_photo
        )
        info["psnr_pivotal_tuning"] = round(psnr(recon, target), 2)
        if tuned < params["pti_steps"]:
            info.update(stopped_early=True, pti_steps_done=tuned)
    projection = {
        "model": getattr(model.path, "name", None) if model.path else None,
        "photo_size": list(photo.size),
        **info,
    }
    latents: dict[str, Any] = {
        "ws": ws.cpu().numpy(),
        **photo_arrays(photo, face.alignment, projection),
    }
    images, blend = blend_into_photo([to_pil(recon)], latents, photo)
    info.update({"face_box": blend.get("face_box", [])})
    return ActionResult(images, layout="grid", latents=latents, info=info)


def _optimise_latent(
    Gc: Any,
    target: Tensor,
    distance: Distance,
    params: dict[str, Any],
    num_ws: int,
    show: Any = to_pil,
) -> Generator[Progress, None, tuple[Tensor, Tensor, dict[str, Any]]]:
    """W first, then W+ near it, with the noise maps; returns the best (ws, image).

    A :class:`StopRequested` at a yield ends the iterations: the best latent so far
    is returned (``best["stopped"]``).
    """
    device = target.device
    w_avg = Gc.w_avg.detach().float()
    w_std = float((sample_w(Gc, 1000, params["seed"]) - w_avg).pow(2).sum(1).mean().sqrt())
    noise = _noise_buffers(Gc) if params["noise"] else []
    for b in noise:
        b.requires_grad_(True)
    w = w_avg[None].clone().requires_grad_(True)  # (1, w_dim)
    offsets = torch.zeros(1, num_ws, w.shape[-1], device=device, requires_grad=True)
    opt = torch.optim.Adam([w, offsets, *noise], lr=params["lr"], betas=(0.9, 0.999))
    steps, every = params["steps"], max(1, params["steps"] // 25)
    w_steps = int(steps * _W_PHASE)
    gen = torch.Generator(device="cpu").manual_seed(params["seed"])
    best: dict[str, Any] = {"loss": math.inf, "steps": 0, "noise_maps": len(noise)}
    best["stopped"] = False
    done = 0
    best_ws = broadcast(w.detach(), num_ws)
    for step in range(steps):
        t = step / steps
        ramp = min(1.0, (1 - t) / 0.25) * 0.5 * (1 - math.cos(min(1.0, t / 0.05) * math.pi))
        for group in opt.param_groups:
            group["lr"] = params["lr"] * max(ramp, 0.02)
        jitter = w_std * 0.05 * max(0.0, 1 - t / 0.75) ** 2
        kick = torch.randn(w.shape, generator=gen).to(device) * jitter
        in_w = step < w_steps
        ws = broadcast(w + kick, num_ws) + (0 if in_w else offsets)  # (1, num_ws, w_dim)
        x = Gc.synthesis(ws, noise_mode="const")  # (1, 3, R, R)
        if in_w and x.shape[-1] >= 16:  # coarse first: match the layout, not the detail
            fit = distance(F.avg_pool2d(x, 2), F.avg_pool2d(target, 2))
        else:
            fit = distance(x, target)
        loss = fit + _NOISE_REG * noise_regularizer(noise)
        if not in_w:
            loss = loss + _WPLUS_REG * offsets.pow(2).sum(-1).mean() / w_std**2
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        with torch.no_grad():
            for b in noise:
                b.sub_(b.mean()).div_(b.std().clamp_min(1e-8))
        value = float(fit.detach())
        if not in_w and jitter < 1e-3 * w_std and value < best["loss"]:
            best.update(loss=value, steps=step + 1)
            best_ws = (broadcast(w, num_ws) + offsets).detach().clone()
        done = step + 1
        if step % every == 0 or step == steps - 1:
            try:
                yield Progress(
                    step + 1,
                    steps,
                    f"projecting ({'W' if in_w else 'W+'}): loss {value:.4f}",
                    fraction=(step + 1) / steps * (0.7 if params["pivotal_tuning"] else 1),
                    preview=show(x.detach()),
                    data={"ws": _so_far(best, best_ws, w, offsets, in_w).cpu().numpy()},
                )
            except StopRequested:
                best["stopped"] = True
                break
    if best["steps"] == 0:  # stopped or too few steps to reach the quiet end: the last latent
        best_ws = _so_far(best, best_ws, w, offsets, done <= w_steps)
        best["steps"] = done
    for b in noise:
        b.requires_grad_(False)
    with torch.no_grad():
        recon = Gc.synthesis(best_ws, noise_mode="const").float().clamp(-1, 1)
    return best_ws, recon, best


def _so_far(
    best: dict[str, Any], best_ws: Tensor, w: Tensor, offsets: Tensor, in_w: bool
) -> Tensor:
    """The latent a stop would return now: the best one of the quiet end once there is
    one, else the current one (the noisy start tracks no best)."""
    if best["steps"]:
        return best_ws
    return (broadcast(w, best_ws.shape[1]) + (0 if in_w else offsets)).detach()


def _pivotal_tuning(
    Gc: Any,
    ws: Tensor,
    target: Tensor,
    steps: int,
    distance: Distance,
    show: Any = to_pil,
) -> Generator[Progress, None, tuple[Tensor, int]]:
    """Fine-tune the copy's synthesis weights so ``ws`` redraws the target exactly;
    returns the reconstruction and the steps done (fewer when stopped)."""
    synth = Gc.synthesis.requires_grad_(True).train()
    opt = torch.optim.Adam(synth.parameters(), lr=3e-4)
    every = max(1, steps // 10)
    done = 0
    for step in range(steps):
        x = synth(ws, noise_mode="const")
        loss = distance(x, target)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        done = step + 1
        if step % every == 0 or step == steps - 1:
            try:
                yield Progress(
                    step + 1,
                    steps,
                    f"pivotal tuning: loss {loss.item():.4f}",
                    fraction=0.7 + 0.3 * (step + 1) / steps,
                    preview=show(x.detach()),
                )
            except StopRequested:  # keep the tuning so far
                break
    synth.requires_grad_(False).eval()
    with torch.no_grad():
        return Gc.synthesis(ws, noise_mode="const").float().clamp(-1, 1), done
