"""The StyleGAN2 generator (mapping + synthesis), the model builder, latent helpers.

The generator API the editing layer relies on (see the package docstring):
``z_dim``, ``w_dim``, ``num_ws``, ``mapping(z)``, ``synthesis(ws, noise_mode)``,
``forward(z, truncation_psi, noise_mode)``, the ``w_avg`` buffer and
``layer_groups()``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from .config import StyleGAN2Config
from .discriminator import Discriminator
from .mapping import MappingNetwork
from .synthesis import SynthesisNetwork

GROUPS = ("coarse", "middle", "fine")


def group_of_resolution(res: int, top: int) -> str:
    """The StyleGAN paper's split: coarse 4–8 px, middle 16–32 px, fine 64 px and up.

    A 32 px model has no 64 px layers, so its top level counts as fine.
    """
    if res <= 8:
        return "coarse"
    if res >= 64 or (res == top and top <= 32):
        return "fine"
    return "middle"


class Generator(nn.Module):
    w_avg: Tensor  # a buffer (typed here: Module.__getattr__ would say Tensor | Module)

    def __init__(self, cfg: StyleGAN2Config) -> None:
        super().__init__()
        self.z_dim, self.w_dim, self.resolution = cfg.z_dim, cfg.w_dim, cfg.resolution
        self.w_avg_beta = cfg.w_avg_beta
        self.mapping = MappingNetwork(cfg.z_dim, cfg.w_dim, cfg.mapping_layers, cfg.mapping_lr_mul)
        self.synthesis = SynthesisNetwork(cfg.resolution, cfg.w_dim, cfg.channels_at, cfg.channels)
        self.num_ws = self.synthesis.num_ws
        #: running mean of w over training: the truncation and projection centre
        self.register_buffer("w_avg", torch.zeros(cfg.w_dim))

    def layer_groups(self) -> dict[str, list[int]]:
        """W+ indices of the coarse / middle / fine styles (entry i drives 2^(2+i//2) px)."""
        out: dict[str, list[int]] = {g: [] for g in GROUPS}
        for i in range(self.num_ws):
            out[group_of_resolution(2 ** (2 + i // 2), self.resolution)].append(i)
        return out

    def truncate(self, ws: Tensor, psi: float) -> Tensor:
        return ws if psi == 1.0 else self.w_avg.to(ws.dtype) + psi * (ws - self.w_avg.to(ws.dtype))

    def forward(
        self,
        z: Tensor,
        truncation_psi: float = 1.0,
        noise_mode: str = "random",
        mix_z: Tensor | None = None,
        mix_cutoff: int | None = None,
        update_w_avg: bool = False,
    ) -> Tensor:
        """z (B, z_dim) → images (B, C, res, res) in about [-1, 1].

        ``mix_z``/``mix_cutoff``: W+ entries from ``mix_cutoff`` on come from
        ``mix_z`` (style-mixing regularisation).  ``update_w_avg`` moves the
        running mean of w toward this batch (training only).
        """
        w = self.mapping(z)  # (B, w_dim)
        if update_w_avg:
            with torch.no_grad():
                self.w_avg.copy_(w.detach().float().mean(0).lerp(self.w_avg, self.w_avg_beta))
        ws = w.unsqueeze(1).repeat(1, self.num_ws, 1)  # (B, num_ws, w_dim)
        if mix_z is not None and mix_cutoff is not None:
            w2 = self.mapping(mix_z)
            ws = torch.cat(
                [ws[:, :mix_cutoff], w2.unsqueeze(1).expand(-1, self.num_ws - mix_cutoff, -1)], 1
            )
        return self.synthesis(self.truncate(ws, truncation_psi), noise_mode=noise_mode)


def build(cfg: StyleGAN2Config) -> dict[str, nn.Module]:
    cfg.validate()
    return {"G": Generator(cfg), "D": Discriminator(cfg.resolution, cfg.channels_at, cfg.channels)}


def as_ws(latent_value: Any, num_ws: int, w_dim: int) -> Tensor:
    """W (w_dim,) or (N, w_dim), or W+ (N, num_ws, w_dim) → W+ (N, num_ws, w_dim).

    A 2-D array is always a batch of W latents, never one W+ latent.
    """
    t = torch.as_tensor(np.asarray(latent_value), dtype=torch.float32)
    if t.shape[-1] != w_dim:
        raise ValueError(f"latent has last dimension {t.shape[-1]}, the model's w_dim is {w_dim}")
    if t.ndim == 1:
        t = t[None]
    if t.ndim == 2:
        t = t[:, None].repeat(1, num_ws, 1)
    if t.ndim != 3 or t.shape[1] != num_ws:
        raise ValueError(f"latent of shape {tuple(t.shape)} does not fit W+ ({num_ws}, {w_dim})")
    return t


def num_ws_for(resolution: int) -> int:
    return 2 * int(math.log2(resolution)) - 2
