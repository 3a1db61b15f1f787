"""Build the pix2pix and CycleGAN modules by role.

CycleGAN's two generators live in one module, role ``G`` (``G.a2b``,
``G.b2a``), and its two discriminators in role ``D`` (``D.a``, ``D.b``): an
action loads ``G`` and has both directions, and the Trainer's EMA follows both.
"""

from __future__ import annotations

from torch import Tensor, nn

from .config import CycleGANConfig, Pix2PixConfig
from .networks import PatchDiscriminator, init_weights, make_generator


def build_pix2pix(cfg: Pix2PixConfig) -> dict[str, nn.Module]:
    G = make_generator(
        cfg.generator, cfg.input_channels, cfg.channels, cfg.ngf, cfg.norm, cfg.dropout
    )
    D = PatchDiscriminator(cfg.input_channels + cfg.channels, cfg.ndf, cfg.n_layers_d, cfg.norm)
    init_weights(G)
    init_weights(D)
    return {"G": G, "D": D}


class CycleGenerators(nn.Module):
    """G_A (A→B) and G_B (B→A); calling it translates A→B."""

    def __init__(self, cfg: CycleGANConfig) -> None:
        super().__init__()
        c = cfg.channels
        self.a2b = make_generator(cfg.generator, c, c, cfg.ngf, cfg.norm, cfg.dropout)
        self.b2a = make_generator(cfg.generator, c, c, cfg.ngf, cfg.norm, cfg.dropout)

    def forward(
        self, x: Tensor, real_b: Tensor | None = None, identity: bool = False
    ) -> Tensor | dict[str, Tensor]:
        """A→B of ``x``; with ``real_b``, the whole training forward (:meth:`cycle`)."""
        if real_b is None:
            return self.a2b(x)
        return self.cycle(x, real_b, identity)

    def cycle(self, real_a: Tensor, real_b: Tensor, identity: bool) -> dict[str, Tensor]:
        """Everything one CycleGAN G update needs, in one forward (what DDP expects)."""
        fake_b, fake_a = self.a2b(real_a), self.b2a(real_b)
        out = {"fake_b": fake_b, "rec_a": self.b2a(fake_b), "fake_a": fake_a}
        out["rec_b"] = self.a2b(fake_a)
        if identity:
            out["idt_b"], out["idt_a"] = self.a2b(real_b), self.b2a(real_a)
        return out


class CycleDiscriminators(nn.Module):
    """D_A judges domain A images, D_B domain B images."""

    def __init__(self, cfg: CycleGANConfig) -> None:
        super().__init__()
        self.a = PatchDiscriminator(cfg.channels, cfg.ndf, cfg.n_layers_d, cfg.norm)
        self.b = PatchDiscriminator(cfg.channels, cfg.ndf, cfg.n_layers_d, cfg.norm)

    def forward(self, x_a: Tensor, x_b: Tensor) -> tuple[Tensor, Tensor]:
        return self.a(x_a), self.b(x_b)


def build_cyclegan(cfg: CycleGANConfig) -> dict[str, nn.Module]:
    G, D = CycleGenerators(cfg), CycleDiscriminators(cfg)
    init_weights(G)
    init_weights(D)
    return {"G": G, "D": D}
