"""InfoGAN's generator and its discriminator with the shared-trunk Q head."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ganstudio.blocks import dcgan_down_layers, dcgan_init, dcgan_up_layers
from ganstudio.stabilisers import minibatch_layers, stabilise_discriminator

from .config import InfoGANConfig


class InfoGenerator(nn.Module):
    """DCGAN generator over the full latent ``[z | codes]``."""

    def __init__(self, cfg: InfoGANConfig) -> None:
        super().__init__()
        layers = dcgan_up_layers(cfg.latent_dim, cfg.width, cfg.channels, cfg.resolution)
        self.main = nn.Sequential(*layers)  # (B, C, res, res)

    def forward(self, latent: Tensor) -> Tensor:
        return self.main(latent.view(latent.size(0), -1, 1, 1))


class InfoDiscriminator(nn.Module):
    """A DCGAN trunk with two heads: the adversarial score and Q(codes | x).

    ``forward(x)`` returns scores (B,) so every core objective and penalty can
    call it unchanged; ``forward(x, with_q=True)`` also returns Q's raw output
    (B, sum(categorical) + continuous·(2 if learn_std else 1)).
    """

    def __init__(self, cfg: InfoGANConfig) -> None:
        super().__init__()
        layers, feat = dcgan_down_layers(cfg.channels, cfg.width, cfg.resolution)
        self.trunk = nn.Sequential(*layers)  # (B, F, 4, 4)
        extra, score_feat = minibatch_layers(feat, cfg, spatial=16)
        self.minibatch = nn.Sequential(*extra)  # (B, F + k, 4, 4) for the score; empty by default
        self.score = nn.Conv2d(score_feat, 1, 4, 1, 0, bias=False)  # (B, 1, 1, 1)
        q_out = sum(cfg.categorical) + cfg.continuous * (2 if cfg.learn_std else 1)
        hidden = max(32, feat)
        self.q = nn.Sequential(
            nn.Conv2d(feat, hidden, 4, 1, 0, bias=False),  # (B, hidden, 1, 1)
            nn.BatchNorm2d(hidden),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Flatten(),
            nn.Linear(hidden, q_out),  # (B, q_out)
        )

    def forward(self, x: Tensor, with_q: bool = False) -> Tensor | tuple[Tensor, Tensor]:
        h = self.trunk(x)
        score = self.score(self.minibatch(h)).view(-1)
        if not with_q:
            return score
        return score, self.q(h)


def build_infogan(cfg: InfoGANConfig) -> dict[str, nn.Module]:
    cfg.validate()
    G, D = InfoGenerator(cfg), InfoDiscriminator(cfg)
    G.apply(dcgan_init)
    D.apply(dcgan_init)
    return {"G": G, "D": stabilise_discriminator(D, cfg)}


def compose_latent(cfg: InfoGANConfig, z: Tensor, categories: Tensor, codes: Tensor) -> Tensor:
    """``[z | one-hot(categories[:, i]) … | codes]``: (B, latent_dim).

    ``categories`` is (B, n_categorical) long, ``codes`` (B, continuous) float.
    """
    parts = [z]
    for i, k in enumerate(cfg.categorical):
        parts.append(nn.functional.one_hot(categories[:, i], k).to(z.dtype))  # (B, k)
    parts.append(codes.to(z.dtype))
    return torch.cat(parts, dim=1)


def random_codes(
    cfg: InfoGANConfig,
    n: int,
    generator: torch.Generator | None = None,
    device: torch.device | str = "cpu",
) -> tuple[Tensor, Tensor]:
    """Categorical codes uniform over their values; continuous codes uniform in [-1, 1]."""
    cats = [torch.randint(k, (n,), generator=generator, device=device) for k in cfg.categorical]
    empty = torch.zeros(n, 0, dtype=torch.long, device=device)
    categories = torch.stack(cats, 1) if cats else empty  # (n, n_categorical)
    codes = torch.rand(n, cfg.continuous, generator=generator, device=device) * 2 - 1
    return categories, codes


def split_q(cfg: InfoGANConfig, q: Tensor) -> tuple[list[Tensor], Tensor, Tensor | None]:
    """Q's raw output → (logits per categorical code, continuous means, log-stds or None)."""
    logits, start = [], 0
    for k in cfg.categorical:
        logits.append(q[:, start : start + k])
        start += k
    mean = q[:, start : start + cfg.continuous]
    log_std = q[:, start + cfg.continuous :] if cfg.learn_std else None
    return logits, mean, log_std
