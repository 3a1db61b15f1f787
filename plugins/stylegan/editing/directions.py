"""The math of attribute directions in W: fitting (labels, PCA) and conditioning.

A stored direction is a unit normal scaled by the spread of sampled W along
it, so a slider value of 1 moves a face by one standard deviation whatever the
model's W scale; sliders of -3..3 then mean the same thing on every model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import torch
from torch import Tensor


def safe_name(label: str) -> str:
    """A label as a direction / parameter name: ``hair_colour=black`` -> ``hair_colour_black``."""
    return re.sub(r"[^0-9A-Za-z_]+", "_", label).strip("_") or "direction"


@dataclass
class LinearFit:
    """Per-attribute linear fits of scores from w: directions and held-out quality."""

    directions: Tensor  # (A, w_dim), scaled as described in the module docstring
    r2: Tensor  # (A,) coefficient of determination on the held-out part
    accuracy: Tensor  # (A,) held-out accuracy of "above / below the median" from the fit


def scale_to_spread(units: Tensor, w: Tensor) -> Tensor:
    """(A, w_dim) unit vectors -> scaled by the std of ``w`` (N, w_dim) along each."""
    std = (w - w.mean(0)) @ units.T  # (N, A)
    return units * std.std(0).clamp_min(1e-8).unsqueeze(1)


def fit_linear(w: Tensor, scores: Tensor, holdout: float = 0.2, ridge: float = 1e-3) -> LinearFit:
    """InterFaceGAN's boundary normals by ridge least squares of ``scores`` (N, A) on ``w``.

    For a score that is a linear function of w plus noise, the coefficient
    vector is the hyperplane normal; its direction is what the slider moves.
    """
    w, scores = w.double(), scores.double()
    n_test = max(1, int(len(w) * holdout))
    w_tr, w_te, s_tr, s_te = w[n_test:], w[:n_test], scores[n_test:], scores[:n_test]
    mu, s_mu = w_tr.mean(0), s_tr.mean(0)
    x = w_tr - mu  # (N, w_dim)
    gram = x.T @ x  # (w_dim, w_dim)
    lam = ridge * gram.diagonal().mean()
    coef = torch.linalg.solve(
        gram + lam * torch.eye(len(gram), dtype=gram.dtype), x.T @ (s_tr - s_mu)
    )  # (w_dim, A)
    pred = (w_te - mu) @ coef + s_mu  # (n_test, A)
    resid = ((s_te - pred) ** 2).sum(0)
    total = ((s_te - s_te.mean(0)) ** 2).sum(0).clamp_min(1e-12)
    median = s_tr.median(0).values
    accuracy = ((pred > median) == (s_te > median)).double().mean(0)
    units = (coef / coef.norm(dim=0).clamp_min(1e-12)).T  # (A, w_dim)
    return LinearFit(
        scale_to_spread(units, w).float(), (1 - resid / total).float(), accuracy.float()
    )


def fit_pca(w: Tensor, k: int) -> tuple[Tensor, Tensor]:
    """GANSpace: the top-``k`` principal axes of sampled W, scaled to their std.

    Returns ((k, w_dim) directions, (k,) explained-variance ratios).  Each axis's
    sign is fixed so its largest entry is positive (reproducible across runs).
    """
    x = (w - w.mean(0)).double()  # (N, w_dim)
    _, s, vh = torch.linalg.svd(x, full_matrices=False)  # vh: (r, w_dim)
    k = min(k, len(vh))
    axes = vh[:k]
    signs = torch.sign(axes.gather(1, axes.abs().argmax(1, keepdim=True)))  # (k, 1)
    axes = axes * signs
    var = s**2
    std = (var[:k] / max(len(w) - 1, 1)).sqrt()
    return (axes * std.unsqueeze(1)).float(), (var[:k] / var.sum()).float()


def condition(direction: Tensor, fixed: list[Tensor]) -> Tensor:
    """Conditional editing: remove from ``direction`` its part along every ``fixed`` one.

    Moving along the result leaves the (linear) score of each fixed attribute
    unchanged, e.g. "smile, keeping age fixed".
    """
    if not fixed:
        return direction
    basis, _ = torch.linalg.qr(torch.stack(fixed, 1).double())  # (w_dim, F) orthonormal
    d = direction.double()
    return (d - basis @ (basis.T @ d)).to(direction.dtype)
