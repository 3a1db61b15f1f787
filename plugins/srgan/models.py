"""Builders: a config in, modules by role out (``G`` generator, ``D`` discriminator)."""

from __future__ import annotations

from torch import nn

from .arch_rrdb import RRDBNet
from .arch_srgan import SRDiscriminator, SRResNet
from .arch_srvgg import SRVGGNetCompact
from .config import ESRGANConfig, SRGANConfig, SRVGGConfig


def build_srgan(cfg: SRGANConfig) -> dict[str, nn.Module]:
    G = SRResNet(cfg.channels, cfg.channels, cfg.num_feat, cfg.num_block, cfg.scale)
    return {"G": G, "D": SRDiscriminator(cfg.channels, cfg.d_feat)}


def build_esrgan(cfg: ESRGANConfig) -> dict[str, nn.Module]:
    G = RRDBNet(cfg.channels, cfg.channels, cfg.scale, cfg.num_feat, cfg.num_block, cfg.num_grow_ch)
    return {"G": G, "D": SRDiscriminator(cfg.channels, cfg.d_feat)}


def build_srvgg(cfg: SRVGGConfig) -> dict[str, nn.Module]:
    G = SRVGGNetCompact(cfg.channels, cfg.channels, cfg.num_feat, cfg.num_conv, cfg.scale, cfg.act)
    return {"G": G, "D": SRDiscriminator(cfg.channels, cfg.d_feat)}
