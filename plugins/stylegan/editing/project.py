"""The ``project`` action: find the W+ latent (and noise) that redraws a real photo.

After Karras et al.'s StyleGAN2 projector, with an LPIPS-free loss (pixels,
an image pyramid and its edges: no weights to download) and an optional
pivotal-tuning refinement (Roich et al. 2021) that fine-tunes a *copy* of the
synthesis network around the found latent.  The tuned weights are not stored:
they belong to one photo, and the latent the result carries is meant for the
model the user has; the tuned reconstruction is the output image.
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

from ganstudio.core.specs import ActionResult, ParamError, Progress

from .facecrop import CropBox, detect_face, paste_back, square_around
from .wspace import broadcast, render, sample_w


def reconstruction_loss(x: Tensor, y: Tensor, levels: int = 3) -> Tensor:
    """MSE plus L1 of a blurred pyramid and of its horizontal/vertical edges: a cheap
    perceptual proxy that rewards matching structure at several scales."""
    loss = F.mse_loss(x, y)
    for _ in range(levels):
        loss = loss + F.l1_loss(x, y)
        loss = loss + F.l1_loss(x.diff(dim=-1), y.diff(dim=-1))
        loss = loss + F.l1_loss(x.diff(dim=-2), y.diff(dim=-2))
        if x.shape[-1] <= 8:
            break
        x, y = F.avg_pool2d(x, 2), F.avg_pool2d(y, 2)
    return loss


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


def _to_tensor(image: Image.Image, size: int, device: torch.device) -> Tensor:
    im = image.convert("RGB").resize((size, size), Image.Resampling.LANCZOS)
    arr = np.asarray(im, dtype=np.float32) / 127.5 - 1.0  # (H, W, 3)
    return torch.from_numpy(arr).permute(2, 0, 1).unsqueeze(0).to(device)  # (1, 3, H, W)


def _to_pil(x: Tensor) -> Image.Image:
    arr = ((x[0].detach().float().cpu().clamp(-1, 1) + 1) * 127.5).round().byte()
    return Image.fromarray(arr.permute(1, 2, 0).numpy(), "RGB")


def choose_crop(photo: Image.Image, mode: str, resolution: int) -> CropBox:
    """auto: look for a face only when the photo is clearly larger than the model."""
    look = mode == "face" or (mode == "auto" and max(photo.size) > 1.5 * resolution)
    return square_around(photo.size, detect_face(photo) if look else None)


def project(
    model: Any, params: dict[str, Any], inputs: dict[str, Any]
) -> Generator[Progress, None, ActionResult]:
    photo = inputs.get("image")
    if photo is None:
        raise ParamError("project needs an input image")
    photo = photo.convert("RGB")
    G = model.generator.eval()
    device = G.w_avg.device
    num_ws = int(G.num_ws)
    resolution = int(render(G, broadcast(G.w_avg[None], num_ws)).shape[-1])
    crop = choose_crop(photo, params["crop"], resolution)
    target = _to_tensor(photo.crop(crop.box), resolution, device)  # (1, 3, R, R)

    Gc = copy.deepcopy(G).eval().requires_grad_(False)
    w_std = float((sample_w(G, 1000, params["seed"]) - G.w_avg).pow(2).sum(1).mean().sqrt())
    noise = [b for name, b in Gc.named_buffers() if "noise" in name.lower()
             and b.is_floating_point() and b.ndim >= 2] if params["noise"] else []
    for b in noise:
        b.requires_grad_(True)
    ws = broadcast(G.w_avg.detach()[None], num_ws).clone().requires_grad_(True)  # (1, num_ws, w)
    opt = torch.optim.Adam([ws, *noise], lr=params["lr"], betas=(0.9, 0.999))
    steps, every = params["steps"], max(1, params["steps"] // 20)
    gen = torch.Generator(device="cpu").manual_seed(params["seed"])
    for step in range(steps):
        t = step / steps
        ramp = min(1.0, (1 - t) / 0.25) * 0.5 * (1 - math.cos(min(1.0, t / 0.05) * math.pi))
        for group in opt.param_groups:
            group["lr"] = params["lr"] * max(ramp, 0.05)
        jitter = w_std * 0.05 * max(0.0, 1 - t / 0.75) ** 2
        kick = torch.randn(ws.shape, generator=gen).to(device) * jitter
        x = Gc.synthesis(ws + kick, noise_mode="const")  # (1, 3, R, R)
        loss = reconstruction_loss(x, target) + 1e3 * noise_regularizer(noise)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        with torch.no_grad():
            for b in noise:
                b.sub_(b.mean()).div_(b.std().clamp_min(1e-8))
        if step % every == 0 or step == steps - 1:
            yield Progress(step + 1, steps, f"projecting: loss {loss.item():.4f}",
                           fraction=(step + 1) / steps * (0.6 if params["pivotal_tuning"] else 1),
                           preview=_to_pil(x))
    ws = ws.detach()
    for b in noise:
        b.requires_grad_(False)
    recon = render(Gc, ws).to(device)
    info: dict[str, Any] = {"face_found": crop.face_found, "crop": list(crop.box),
                            "noise_maps": len(noise),
                            "mse_projection": round(F.mse_loss(recon, target).item(), 5)}
    if params["pivotal_tuning"]:
        recon = yield from _pivotal_tuning(Gc, ws, target, params["pti_steps"])
        info["mse_pivotal_tuning"] = round(F.mse_loss(recon, target).item(), 5)
    out = _to_pil(recon)
    if crop.box != (0, 0, *photo.size):  # a crop of a larger photo: blend it back
        out = paste_back(photo, out, crop)
    return ActionResult([out], layout="grid", latents={"ws": ws.cpu().numpy()}, info=info)


def _pivotal_tuning(
    Gc: Any, ws: Tensor, target: Tensor, steps: int
) -> Generator[Progress, None, Tensor]:
    """Fine-tune the copy's synthesis weights so ``ws`` redraws the target exactly."""
    synth = Gc.synthesis.requires_grad_(True).train()
    opt = torch.optim.Adam(synth.parameters(), lr=3e-4)
    every = max(1, steps // 10)
    for step in range(steps):
        x = synth(ws, noise_mode="const")
        loss = reconstruction_loss(x, target)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if step % every == 0 or step == steps - 1:
            yield Progress(step + 1, steps, f"pivotal tuning: loss {loss.item():.4f}",
                           fraction=0.6 + 0.4 * (step + 1) / steps, preview=_to_pil(x))
    synth.requires_grad_(False).eval()
    return render(Gc, ws).to(target.device)
