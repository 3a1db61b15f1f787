"""Measuring an edit: how much each attribute moves when one slider moves.

An independent attribute classifier scores faces rendered along a direction;
a good direction moves its own attribute most and the others little.  Used by
``scripts/eval_attributes.py`` and the demo-model test.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import Tensor

from .attributes import edit_ws
from .classifier import AttributeClassifier, score
from .wspace import broadcast, layer_groups, render, w_for_seeds


@torch.no_grad()
def attribute_response(
    G: Any,
    directions: Mapping[str, Tensor],
    classifier: AttributeClassifier,
    edit: str,
    seeds: Sequence[int],
    amount: float = 2.0,
    truncation: float = 0.7,
    keep_fixed: Sequence[str] = (),
    label_std: Tensor | None = None,
) -> Tensor:
    """(L,) mean change of every classifier score from -amount to +amount along ``edit``,
    in units of each label's std in the data (``label_std``) when given."""
    ws = broadcast(w_for_seeds(G, seeds, truncation), int(G.num_ws))  # (N, num_ws, w_dim)
    groups = layer_groups(G)
    lo = edit_ws(ws, directions, {edit: -amount}, list(keep_fixed), groups=groups)
    hi = edit_ws(ws, directions, {edit: amount}, list(keep_fixed), groups=groups)
    delta = (score(classifier, render(G, hi)) - score(classifier, render(G, lo))).mean(0)
    return delta / label_std.clamp_min(1e-6) if label_std is not None else delta
