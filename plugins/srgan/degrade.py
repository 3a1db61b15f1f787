"""On-the-fly degradation: high-resolution crops → the low-resolution inputs.

Bicubic down-sampling always; optional Gaussian blur before it and Gaussian
noise and a JPEG round trip after it, drawn per image (the first-order
pipeline Real-ESRGAN describes).  JPEG goes through Pillow on the CPU: the
degraded image is an input, never differentiated through.  Randomness comes
from torch's global RNG, which the Trainer seeds and restores on resume.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import Tensor
from torchvision.transforms.functional import gaussian_blur


def bicubic_down(hr: Tensor, scale: int) -> Tensor:
    """(B, C, H, W) → (B, C, H/s, W/s); antialiased like Pillow's BICUBIC."""
    if scale == 1:
        return hr
    h, w = hr.shape[-2] // scale, hr.shape[-1] // scale
    return F.interpolate(hr, size=(h, w), mode="bicubic", antialias=True, align_corners=False)


def _jpeg(img: Tensor, quality: int) -> Tensor:
    arr = (img.detach().float().cpu().clamp(0, 1) * 255).round().byte()  # (C, h, w)
    pil = Image.fromarray(arr[0].numpy() if arr.shape[0] == 1 else arr.permute(1, 2, 0).numpy())
    buf = io.BytesIO()
    pil.save(buf, format="JPEG", quality=quality)
    out = np.asarray(Image.open(buf).convert(pil.mode), dtype=np.float32) / 255.0
    t = torch.from_numpy(out.copy())
    t = t[None] if t.ndim == 2 else t.permute(2, 0, 1)
    return t.to(img.device, img.dtype)


@torch.no_grad()
def degrade(hr: Tensor, cfg: Any) -> Tensor:
    """HR batch in [0, 1] → LR batch in [0, 1], quantised to 8 bits like a real file."""
    x = hr
    n = x.shape[0]
    if cfg.blur_prob > 0:
        rows = []
        for i in range(n):
            img = x[i]
            if torch.rand(()) < cfg.blur_prob:
                sigma = float(torch.empty(()).uniform_(0.2, max(0.2, cfg.blur_sigma)))
                k = 2 * int(3 * sigma + 0.5) + 1
                img = gaussian_blur(img, [k, k], [sigma, sigma])
            rows.append(img)
        x = torch.stack(rows)
    x = bicubic_down(x, cfg.scale)  # (B, C, H/s, W/s)
    if cfg.noise_prob > 0:
        on = (torch.rand(n, 1, 1, 1, device=x.device) < cfg.noise_prob).to(x.dtype)
        noise_sd = torch.empty(n, 1, 1, 1, device=x.device).uniform_(1.0, cfg.noise_sigma) / 255
        x = x + torch.randn_like(x) * noise_sd * on
    x = x.clamp(0, 1)
    if cfg.jpeg_prob > 0:
        rows = []
        for i in range(n):
            if torch.rand(()) < cfg.jpeg_prob:
                q = int(torch.randint(cfg.jpeg_quality, 96, ()))
                rows.append(_jpeg(x[i], q))
            else:
                rows.append(x[i])
        x = torch.stack(rows)
    return (x * 255).round() / 255
