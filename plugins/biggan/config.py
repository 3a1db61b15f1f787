"""BigGAN's config and its class names (no torch: read at discovery)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass
class BigGANConfig:
    """Brock et al. 2019, small: class-conditional BN fed by a shared class embedding
    and a chunk of z per block, self-attention, spectral norm in G and D, hinge loss,
    orthogonal regularisation of G.

    The classes are the members of a categorical label group of the data:
    ``condition=hair_colour`` with ``classes=black,brown,…`` trains on the
    procedural faces' hair colours.  ``class_names`` is derived from these,
    so a saved model always knows its classes.
    """

    resolution: int = 32
    z_dim: int = 64  # split into one chunk per G block plus one for the 4×4 input
    width: int = 32  # channels of the last G block / first D block; ×2 per halving
    embed_dim: int = 32  # the shared class embedding
    attention: int = 16  # resolution of the self-attention block (0: none)
    condition: str = "hair_colour"
    classes: tuple[str, ...] = ("black", "brown", "blonde", "red", "grey")
    channels: int = 3
    lr_g: float = 1e-4
    lr_d: float = 4e-4
    beta1: float = 0.0
    beta2: float = 0.999
    ortho: float = 1e-4  # BigGAN's orthogonal regularisation of G (0: off)
    objective: str = "hinge"
    class_names: tuple[str, ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        if isinstance(self.classes, str):
            self.classes = tuple(c for c in self.classes.split(",") if c)
        self.classes = tuple(self.classes)[:4096]
        self.class_names = tuple(f"{self.condition}={c}" for c in self.classes)

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    @property
    def blocks(self) -> int:
        """Upsampling blocks from 4×4 to the resolution."""
        return int(math.log2(self.resolution)) - 2

    def validate(self) -> None:
        r = self.resolution
        if r < 8 or r > 256 or r & (r - 1):
            raise ValueError(f"resolution must be a power of two in [8, 256], got {r}")
        if len(set(self.classes)) < 2:
            raise ValueError("classes must name at least two members of the condition's group")
        if self.z_dim < self.blocks + 1:
            raise ValueError(f"z_dim must be at least {self.blocks + 1} (a chunk per block)")
        if self.attention and (
            self.attention & (self.attention - 1) or not 8 <= self.attention <= r
        ):
            raise ValueError(f"attention must be 0 or a power of two in [8, {r}]")
        if self.width < 1 or self.embed_dim < 1 or self.channels not in (1, 3):
            raise ValueError("width and embed_dim must be positive; channels 1 or 3")
