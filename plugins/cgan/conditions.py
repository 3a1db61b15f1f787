"""From a dataset's label vector to the cGAN's class index."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from ganstudio.core.specs import ConfigError

from .config import CGANConfig


@dataclass(frozen=True)
class ConditionMap:
    """Which label columns hold the condition, and how they become a class.

    Binned: one column, cut into equal bins of [low, high] (the ends clamp).
    Categorical: one column per class, the class is the hottest one; rows whose
    group value is none of the listed classes map to -1 (the routine drops them).
    """

    columns: tuple[int, ...]
    bins: int = 0
    low: float = 0.0
    high: float = 1.0

    @classmethod
    def from_label_names(cls, cfg: CGANConfig, label_names: Sequence[str]) -> ConditionMap:
        names = list(label_names)
        if not names:
            raise ConfigError("a conditional GAN needs labelled data (this dataset has no labels)")
        group = [n.split("=", 1)[1] for n in names if n.startswith(cfg.condition + "=")]
        if cfg.classes:
            missing = [c for c in cfg.classes if f"{cfg.condition}={c}" not in names]
            if missing:
                raise ConfigError(
                    f"condition {cfg.condition!r}: the labels have no class {missing[0]!r}"
                    + (f" (they have: {', '.join(group)})" if group else "")
                )
            return cls(tuple(names.index(f"{cfg.condition}={c}") for c in cfg.classes))
        if cfg.condition in names:
            return cls((names.index(cfg.condition),), cfg.bins, cfg.low, cfg.high)
        if group:
            raise ConfigError(
                f"condition {cfg.condition!r} is a categorical group; set classes={','.join(group)}"
            )
        raise ConfigError(
            f"condition {cfg.condition!r} is not in the labels (known: {', '.join(names)})"
        )

    def __call__(self, labels: Tensor) -> Tensor:
        """(B, L) labels → (B,) long class indices, -1 where a row has none."""
        cols = labels[:, list(self.columns)].float()  # (B, K) or (B, 1)
        if self.bins:
            t = (cols[:, 0] - self.low) / (self.high - self.low)
            return (t * self.bins).floor().clamp(0, self.bins - 1).long()
        idx = cols.argmax(1)
        return torch.where(cols.amax(1) > 0, idx, torch.full_like(idx, -1))
