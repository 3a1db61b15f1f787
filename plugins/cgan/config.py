"""The conditional GAN's config and its class names (no torch: read at discovery)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ganstudio.core.specs import STABILISERS, StabiliserConfig

#: all but PacGAN packing (D judges one labelled sample at a time) and replay
#: (past fakes would need their labels kept too)
SUPPORTED_STABILISERS = frozenset(STABILISERS) - {"pack", "replay"}


def bin_names(condition: str, bins: int, low: float, high: float) -> tuple[str, ...]:
    """``age 0–0.25``, ``age 0.25–0.5`` …: equal-width bins of [low, high], low to high."""
    step = (high - low) / bins
    return tuple(
        f"{condition} {low + i * step:.3g}–{low + (i + 1) * step:.3g}" for i in range(bins)
    )


#: a label embedding row per class: far more than any dataset's attribute has
MAX_CLASSES = 4096


@dataclass
class CGANConfig(StabiliserConfig):
    """Mirza & Osindero 2014 with a projection discriminator (Miyato & Koyama 2018).

    ``condition`` names an attribute of the dataset's labels.  A continuous (or
    binary) attribute is cut into ``bins`` equal-width bins of [``low``, ``high``]
    — ``age`` with 4 bins runs from young to old.  A categorical group such as
    ``hair_colour`` (labels ``hair_colour=black`` …) is conditioned on when
    ``classes`` lists its members, e.g. ``black,brown,blonde,red,grey``.
    ``class_names`` is derived from these, never from data, so a saved model
    always knows its classes.
    """

    resolution: int = 32
    z_dim: int = 64
    condition: str = "age"
    bins: int = 4
    low: float = 0.0
    high: float = 1.0
    classes: tuple[str, ...] = ()
    embed_dim: int = 32  # G's label embedding, concatenated with z
    width: int = 64
    channels: int = 3
    lr: float = 2e-4
    beta1: float = 0.5
    beta2: float = 0.999
    objective: str = "bce"
    class_names: tuple[str, ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        self.classes = tuple(self.classes)
        if len(self.classes) > MAX_CLASSES or self.bins > MAX_CLASSES:  # before naming them all
            raise ValueError(f"at most {MAX_CLASSES} classes or bins")
        if self.classes:
            self.class_names = tuple(f"{self.condition}={c}" for c in self.classes)
        elif self.bins >= 1 and self.high > self.low:
            self.class_names = bin_names(self.condition, self.bins, self.low, self.high)
        else:
            self.class_names = ()

    @property
    def categorical(self) -> bool:
        return bool(self.classes)

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def validate(self) -> None:
        r = self.resolution
        if r < 16 or r > 128 or r & (r - 1):
            raise ValueError(f"resolution must be a power of two in [16, 128], got {r}")
        if not self.condition:
            raise ValueError("condition must name an attribute of the labels")
        if not self.classes and (self.bins < 2 or self.high <= self.low):
            raise ValueError("a continuous condition needs bins ≥ 2 and high > low")
        if self.classes and len(set(self.classes)) < 2:
            raise ValueError("a categorical condition needs at least two distinct classes")
        if self.z_dim < 1 or self.width < 1 or self.embed_dim < 1 or self.channels not in (1, 3):
            raise ValueError("z_dim, width and embed_dim must be positive; channels 1 or 3")
        self.check_stabilisers()
