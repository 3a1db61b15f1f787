"""Label-conditioned DCGAN generator and projection discriminator."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ganstudio.blocks import dcgan_down_layers, dcgan_init, dcgan_up_layers
from ganstudio.stabilisers import minibatch_layers, stabilise_discriminator

from .config import CGANConfig


class ConditionalGenerator(nn.Module):
    """G(z, y): the label's embedding concatenated with z (Mirza & Osindero).

    ``y`` is (B,) class indices, or (B, K) class weights — a blend of two
    neighbouring bins gives a smooth step between them (e.g. gradual ageing).
    """

    def __init__(self, cfg: CGANConfig) -> None:
        super().__init__()
        self.embed = nn.Embedding(cfg.num_classes, cfg.embed_dim)
        layers = dcgan_up_layers(cfg.z_dim + cfg.embed_dim, cfg.width, cfg.channels, cfg.resolution)
        self.main = nn.Sequential(*layers)  # (B, C, res, res)

    def label_embedding(self, y: Tensor) -> Tensor:
        if y.is_floating_point():  # (B, K) weights
            return y.to(self.embed.weight.dtype) @ self.embed.weight  # (B, E)
        return self.embed(y)  # (B, E)

    def forward(self, z: Tensor, y: Tensor) -> Tensor:
        h = torch.cat([z.view(z.size(0), -1), self.label_embedding(y).to(z.dtype)], 1)
        return self.main(h.view(h.size(0), -1, 1, 1))


class ProjectionDiscriminator(nn.Module):
    """D(x, y) = ψ(φ(x)) + ⟨embed(y), φ(x)⟩ (Miyato & Koyama 2018); scores (B,).

    Without ``y`` only ψ(φ(x)) is returned, an unconditional realness score.
    """

    def __init__(self, cfg: CGANConfig) -> None:
        super().__init__()
        layers, feat = dcgan_down_layers(cfg.channels, cfg.width, cfg.resolution)
        self.trunk = nn.Sequential(*layers)  # (B, F, 4, 4)
        extra, feat = minibatch_layers(feat, cfg, spatial=16)
        self.minibatch = nn.Sequential(*extra)  # (B, F + k, 4, 4); empty by default
        self.psi = nn.Linear(feat, 1)
        self.embed = nn.Embedding(cfg.num_classes, feat)

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        h = self.minibatch(self.trunk(x)).sum((2, 3))  # (B, F): global sum pooling
        score = self.psi(h).view(-1)
        if y is None:
            return score
        return score + (self.embed(y) * h).sum(1)


def build_cgan(cfg: CGANConfig) -> dict[str, nn.Module]:
    cfg.validate()
    G, D = ConditionalGenerator(cfg), ProjectionDiscriminator(cfg)
    G.apply(dcgan_init)
    D.apply(dcgan_init)
    nn.init.normal_(G.embed.weight, 0.0, 1.0)  # the label weighs as much as z at the start
    return {"G": G, "D": stabilise_discriminator(D, cfg)}
