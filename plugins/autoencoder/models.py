"""Convolutional encoder/decoder (one module, role ``G``) and the VAE-GAN's critic (``D``).

The whole autoencoder is the ``G`` role so the Trainer's EMA copy (``G_ema``)
covers encoder and decoder alike, and actions find it as ``model.generator``.
No batch norm: the EMA copies buffers, and reconstructions must not depend on
what else is in the batch.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from .config import AutoencoderConfig


def _levels(resolution: int) -> int:
    """Stride-2 steps between the image and the 4×4 bottleneck."""
    return int(math.log2(resolution)) - 2


def _widths(cfg: AutoencoderConfig) -> list[int]:
    return [min(cfg.width * 2**i, 256) for i in range(_levels(cfg.resolution))]


def _down(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 4, 2, 1), nn.GroupNorm(1, cout), nn.SiLU())


def _up(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.ConvTranspose2d(cin, cout, 4, 2, 1), nn.GroupNorm(1, cout), nn.SiLU())


class Autoencoder(nn.Module):
    """x (B, C, R, R) and a hole mask (B, 1, R, R) → latent → reconstruction.

    The encoder sees the hole as an extra channel (1 inside the hole, whose
    pixels are zeroed), so one model reconstructs, denoises and inpaints.
    A variational one outputs μ and log σ² (``variational``).
    """

    def __init__(self, cfg: AutoencoderConfig) -> None:
        super().__init__()
        self.latent_dim, self.variational = cfg.latent_dim, cfg.variational
        widths = _widths(cfg)
        enc: list[nn.Module] = [nn.Conv2d(cfg.channels + 1, widths[0], 3, 1, 1), nn.SiLU()]
        for cin, cout in zip([widths[0], *widths[:-1]], widths, strict=True):
            enc.append(_down(cin, cout))  # halves: (B, cout, R/2^i, R/2^i)
        self.encoder = nn.Sequential(*enc, nn.Flatten())  # (B, w_last*16)
        feat = widths[-1] * 16
        self.to_latent = nn.Linear(feat, cfg.latent_dim * (2 if cfg.variational else 1))
        self.from_latent = nn.Linear(cfg.latent_dim, feat)
        self.bottleneck = (widths[-1], 4, 4)
        dec: list[nn.Module] = []
        for cin, cout in zip(widths[::-1], [*widths[::-1][1:], widths[0]], strict=True):
            dec.append(_up(cin, cout))  # doubles
        self.decoder = nn.Sequential(*dec, nn.Conv2d(widths[0], cfg.channels, 3, 1, 1), nn.Tanh())

    def encode(self, x: Tensor, hole: Tensor | None = None) -> tuple[Tensor, Tensor | None]:
        """(μ, log σ²) for a VAE, (z, None) for a plain autoencoder; each (B, latent_dim)."""
        if hole is None:
            hole = x.new_zeros(x.size(0), 1, x.size(2), x.size(3))
        h = self.to_latent(self.encoder(torch.cat([x * (1 - hole), hole], 1)))
        if not self.variational:
            return h, None
        mu, logvar = h.chunk(2, 1)
        return mu, logvar.clamp(-12, 8)

    def decode(self, z: Tensor) -> Tensor:
        h = self.from_latent(z).view(z.size(0), *self.bottleneck)  # (B, w, 4, 4)
        return self.decoder(h)  # (B, C, R, R) in [-1, 1]

    def forward(
        self, x: Tensor, hole: Tensor | None = None, prior_z: Tensor | None = None
    ) -> tuple[Tensor, Tensor, Tensor | None, Tensor | None]:
        """One pass for training: (reconstruction, μ or z, log σ², decoded ``prior_z``).

        A VAE samples z = μ + σ·ε; ``prior_z`` rows are decoded in the same
        decoder call (the VAE-GAN's samples), so each step runs G forward once.
        """
        mu, logvar = self.encode(x, hole)
        z = mu if logvar is None else mu + torch.randn_like(mu) * (0.5 * logvar).exp()
        if prior_z is None:
            return self.decode(z), mu, logvar, None
        out = self.decode(torch.cat([z, prior_z.to(z.dtype)], 0))
        return out[: x.size(0)], mu, logvar, out[x.size(0) :]


class Critic(nn.Module):
    """The VAE-GAN's discriminator: logits (B,) and its middle features for the
    learned-similarity reconstruction loss."""

    def __init__(self, cfg: AutoencoderConfig) -> None:
        super().__init__()
        widths = _widths(cfg)
        layers: list[nn.Module] = [nn.Conv2d(cfg.channels, widths[0], 3, 1, 1), nn.LeakyReLU(0.2)]
        for cin, cout in zip([widths[0], *widths[:-1]], widths, strict=True):
            layers += [nn.Conv2d(cin, cout, 4, 2, 1), nn.LeakyReLU(0.2)]
        cut = 2 + 2 * max(1, len(widths) // 2)  # after about half the down-steps
        self.low, self.high = nn.Sequential(*layers[:cut]), nn.Sequential(*layers[cut:])
        self.head = nn.Linear(widths[-1] * 16, 1)

    def forward(self, x: Tensor, with_features: bool = False) -> Tensor | tuple[Tensor, Tensor]:
        feat = self.low(x)  # (B, F, R/2^k, R/2^k)
        logits = self.head(self.high(feat).flatten(1)).view(-1)
        return (logits, feat) if with_features else logits


def build_autoencoder(cfg: AutoencoderConfig, adversarial: bool = False) -> dict[str, nn.Module]:
    cfg.validate()
    models: dict[str, nn.Module] = {"G": Autoencoder(cfg)}
    if adversarial:
        models["D"] = Critic(cfg)
    return models
