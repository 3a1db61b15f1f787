"""A small BigGAN: hierarchical z with a shared class embedding, residual blocks,
conditional BN, self-attention, spectral norm everywhere but the shared embedding."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.utils.parametrizations import spectral_norm

from .config import BigGANConfig
from .layers import ConditionalBatchNorm, SelfAttention, sn_conv, sn_linear


def channels_at(cfg: BigGANConfig, res: int) -> int:
    """Feature maps at a resolution: ``width`` at full size, doubling per halving, ≤ 8×."""
    return cfg.width * min(8, cfg.resolution // res)


def z_chunks(cfg: BigGANConfig) -> list[int]:
    """z split into one chunk for the 4×4 input and one per block (remainder to the first)."""
    n = cfg.blocks + 1
    size = cfg.z_dim // n
    return [cfg.z_dim - size * (n - 1)] + [size] * (n - 1)


class GBlock(nn.Module):
    def __init__(self, cin: int, cout: int, cond_dim: int) -> None:
        super().__init__()
        self.bn1 = ConditionalBatchNorm(cin, cond_dim)
        self.conv1 = sn_conv(cin, cout)
        self.bn2 = ConditionalBatchNorm(cout, cond_dim)
        self.conv2 = sn_conv(cout, cout)
        self.skip = sn_conv(cin, cout, 1)

    def forward(self, x: Tensor, cond: Tensor) -> Tensor:
        h = F.interpolate(F.relu(self.bn1(x, cond)), scale_factor=2)  # (B, cin, 2H, 2W)
        h = self.conv2(F.relu(self.bn2(self.conv1(h), cond)))
        return h + self.skip(F.interpolate(x, scale_factor=2))  # (B, cout, 2H, 2W)


class BigGenerator(nn.Module):
    """G(z, y): ``y`` (B,) class indices, or (B, K) class weights to blend classes."""

    def __init__(self, cfg: BigGANConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.chunks = z_chunks(cfg)
        self.embed = nn.Embedding(cfg.num_classes, cfg.embed_dim)  # shared by every block
        c4 = channels_at(cfg, 4)
        self.linear = sn_linear(self.chunks[0], c4 * 16)  # → (B, c4, 4, 4)
        self.blocks = nn.ModuleList()
        self.attn = nn.ModuleDict()
        res = 4
        for i in range(cfg.blocks):
            cin, cout = channels_at(cfg, res), channels_at(cfg, res * 2)
            self.blocks.append(GBlock(cin, cout, cfg.embed_dim + self.chunks[i + 1]))
            res *= 2
            if res == cfg.attention:
                self.attn[str(i)] = SelfAttention(cout)
        self.out = nn.Sequential(
            nn.BatchNorm2d(cfg.width), nn.ReLU(), sn_conv(cfg.width, cfg.channels), nn.Tanh()
        )

    def class_embedding(self, y: Tensor) -> Tensor:
        if y.is_floating_point():  # (B, K) weights
            return y.to(self.embed.weight.dtype) @ self.embed.weight
        return self.embed(y)  # (B, E)

    def forward(self, z: Tensor, y: Tensor) -> Tensor:
        zs = torch.split(z.view(z.size(0), -1), self.chunks, 1)
        e = self.class_embedding(y).to(z.dtype)
        h = self.linear(zs[0]).view(z.size(0), -1, 4, 4)
        for i, block in enumerate(self.blocks):
            h = block(h, torch.cat([e, zs[i + 1]], 1))
            if str(i) in self.attn:
                h = self.attn[str(i)](h)
        return self.out(h)  # (B, C, R, R)


class DBlock(nn.Module):
    def __init__(self, cin: int, cout: int, first: bool) -> None:
        super().__init__()
        self.first = first
        self.conv1 = sn_conv(cin, cout)
        self.conv2 = sn_conv(cout, cout)
        self.skip = sn_conv(cin, cout, 1)

    def forward(self, x: Tensor) -> Tensor:
        h = x if self.first else F.relu(x)  # pre-activation, but not on the pixels
        h = F.avg_pool2d(self.conv2(F.relu(self.conv1(h))), 2)
        skip = self.skip(F.avg_pool2d(x, 2)) if self.first else F.avg_pool2d(self.skip(x), 2)
        return h + skip  # (B, cout, H/2, W/2)


class BigDiscriminator(nn.Module):
    """Projection discriminator (Miyato & Koyama 2018): ψ(φ(x)) + ⟨embed(y), φ(x)⟩."""

    def __init__(self, cfg: BigGANConfig) -> None:
        super().__init__()
        self.blocks = nn.ModuleList()
        self.attn = nn.ModuleDict()
        res, cin = cfg.resolution, cfg.channels
        for i in range(cfg.blocks):
            cout = channels_at(cfg, res // 2)
            self.blocks.append(DBlock(cin, cout, first=i == 0))
            res, cin = res // 2, cout
            if res == cfg.attention:
                self.attn[str(i)] = SelfAttention(cout)
        self.psi = sn_linear(cin, 1)
        self.embed = spectral_norm(nn.Embedding(cfg.num_classes, cin))

    def forward(self, x: Tensor, y: Tensor) -> Tensor:
        h = x
        for i, block in enumerate(self.blocks):
            h = block(h)
            if str(i) in self.attn:
                h = self.attn[str(i)](h)
        h = F.relu(h).sum((2, 3))  # (B, F)
        return self.psi(h).view(-1) + (self.embed(y).to(h.dtype) * h).sum(1)


def orthogonal_penalty(module: nn.Module) -> Tensor:
    """BigGAN's off-diagonal orthogonal regulariser Σ‖WWᵀ ⊙ (1 − I)‖², sans the shared
    embedding, on the weights before spectral normalisation."""
    total: Tensor | None = None
    for name, p in module.named_parameters():
        if p.ndim < 2 or "embed" in name:
            continue
        w = p.flatten(1)
        gram = w @ w.t()
        off = gram * (1 - torch.eye(gram.size(0), device=p.device, dtype=p.dtype))
        total = off.pow(2).sum() if total is None else total + off.pow(2).sum()
    assert total is not None
    return total


def build_biggan(cfg: BigGANConfig) -> dict[str, nn.Module]:
    cfg.validate()
    G, D = BigGenerator(cfg), BigDiscriminator(cfg)
    for m in [*G.modules(), *D.modules()]:
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            weight = getattr(getattr(m, "parametrizations", None), "weight", None)
            nn.init.orthogonal_(weight.original if weight is not None else m.weight)
    nn.init.normal_(G.embed.weight, 0.0, 1.0)
    return {"G": G, "D": D}
