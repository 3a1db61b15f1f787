"""Distributions whose modes are known, and how many of them a generator covers.

The seeds watch mode collapse on toy data: a 1-D mixture of Gaussians, a ring of
8 and a grid of 25 2-D Gaussians (the unrolled-GAN and PacGAN benchmarks).  On
those, two numbers say how a generator does (Lin et al. 2018, following
Srivastava et al. 2017): a sample is **high quality** when it lies within
``3σ`` of its nearest mode's centre, and a mode is **covered** when at least
``min_count`` high-quality samples are nearest to it.  Procedural faces have
modes too: combinations of discrete attributes (glasses × beard × hair colour),
counted by :func:`attribute_modes` from attributes a classifier predicts.

Qt-free and torch-free (numpy): the GAN lab, the comparison script and tests
share it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class ToyDistribution:
    """An equal-weight mixture of isotropic Gaussians with known centres."""

    name: str
    title: str
    centres: np.ndarray  # (K, dim)
    std: float
    extent: float  # the square [-extent, extent]^dim that shows it whole

    @property
    def dim(self) -> int:
        return int(self.centres.shape[1])

    @property
    def modes(self) -> int:
        return int(self.centres.shape[0])

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """(n, dim) float32 samples, each from a mode picked uniformly."""
        pick = rng.integers(self.modes, size=n)
        noise = rng.standard_normal((n, self.dim)) * self.std
        return (self.centres[pick] + noise).astype(np.float32)


def mixture_1d() -> ToyDistribution:
    """Four 1-D Gaussians at −3, −1, 1, 3 (σ = 0.2): the seeds' first mode-collapse demo."""
    centres = np.array([[-3.0], [-1.0], [1.0], [3.0]])
    return ToyDistribution("mixture-1d", "1-D mixture of 4", centres, 0.2, 4.5)


def ring(modes: int = 8, radius: float = 2.0, std: float = 0.02) -> ToyDistribution:
    """8 Gaussians on a circle of radius 2, σ = 0.02 (Metz et al. 2017, unrolled GAN)."""
    angles = 2 * np.pi * np.arange(modes) / modes
    centres = radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return ToyDistribution("ring-8", f"Ring of {modes}", centres, std, radius * 1.6)


def grid(side: int = 5, spacing: float = 2.0, std: float = 0.05) -> ToyDistribution:
    """25 Gaussians on a 5×5 grid at {−4, −2, 0, 2, 4}², σ = 0.05 (Lin et al. 2018, PacGAN)."""
    ticks = (np.arange(side) - (side - 1) / 2) * spacing
    xx, yy = np.meshgrid(ticks, ticks)
    centres = np.stack([xx.ravel(), yy.ravel()], axis=1)
    return ToyDistribution("grid-25", f"Grid of {side * side}", centres, std, ticks[-1] + 1.5)


#: the toy distributions by name, in the order the GAN lab offers them
TOY_DISTRIBUTIONS = {d.name: d for d in (mixture_1d(), ring(), grid())}


def toy_distribution(name: str) -> ToyDistribution:
    try:
        return TOY_DISTRIBUTIONS[name]
    except KeyError:
        known = ", ".join(TOY_DISTRIBUTIONS)
        raise ValueError(f"unknown toy distribution {name!r} (known: {known})") from None


@dataclass(frozen=True)
class ModeReport:
    """How a sample set covers known modes."""

    covered: int  # modes with at least min_count high-quality samples
    total: int  # modes of the distribution
    high_quality: float  # share of samples within 3σ of their nearest mode
    counts: tuple[int, ...] = field(default=(), repr=False)  # high-quality samples per mode

    def __str__(self) -> str:
        return f"{self.covered}/{self.total} modes, {100 * self.high_quality:.0f}% high quality"


def mode_coverage(
    samples: np.ndarray, dist: ToyDistribution, min_count: int = 1, sigmas: float = 3.0
) -> ModeReport:
    """Modes covered and the high-quality share of ``samples`` (N, dim).

    A sample is high quality within ``sigmas``·σ of its nearest centre (PacGAN's
    3σ); a mode is covered with at least ``min_count`` such samples.  Samples
    that are not finite (a diverged generator) count as low quality.
    """
    x = np.asarray(samples, dtype=np.float64).reshape(len(samples), -1)
    if x.shape[1] != dist.dim:
        raise ValueError(f"samples have {x.shape[1]} dimensions, {dist.name} has {dist.dim}")
    if len(x) == 0:
        return ModeReport(0, dist.modes, 0.0, (0,) * dist.modes)
    finite = np.asarray(np.isfinite(x).all(axis=1))
    x = np.where(finite[:, None], x, 0.0)
    d2 = ((x[:, None, :] - dist.centres[None]) ** 2).sum(2)  # (N, K)
    nearest = d2.argmin(1)
    good = finite & (np.sqrt(d2[np.arange(len(x)), nearest]) <= sigmas * dist.std)
    counts = np.bincount(nearest[good], minlength=dist.modes)
    covered = int((counts >= min_count).sum())
    return ModeReport(covered, dist.modes, float(good.mean()), tuple(int(c) for c in counts))


# --------------------------------------------------------------------------- faces


#: the discrete attributes of the procedural faces whose combinations are its modes
FACE_MODE_ATTRIBUTES: tuple[str, ...] = ("glasses", "beard", "hair_colour")


def face_attributes_from_labels(
    labels: np.ndarray, label_names: Sequence[str], attributes: Sequence[str] = FACE_MODE_ATTRIBUTES
) -> tuple[np.ndarray, tuple[int, ...]]:
    """Label vectors (procedural order, or a classifier's predictions in it) → discrete values.

    A binary attribute is its column thresholded at 0.5; a categorical one
    (``hair_colour=black`` … one-hot columns) is the argmax of its columns.
    Returns (N, A) ints and each attribute's number of values.
    """
    labels = np.asarray(labels, dtype=np.float64)
    names = list(label_names)
    columns, sizes = [], []
    for attr in attributes:
        if attr in names:
            columns.append((labels[:, names.index(attr)] >= 0.5).astype(np.int64))
            sizes.append(2)
            continue
        group = [i for i, n in enumerate(names) if n.startswith(f"{attr}=")]
        if not group:
            raise ValueError(f"no label column for attribute {attr!r}")
        columns.append(labels[:, group].argmax(1))
        sizes.append(len(group))
    return np.stack(columns, 1), tuple(sizes)


def attribute_modes(
    values: np.ndarray, sizes: Sequence[int], min_count: int = 1
) -> Mapping[str, int]:
    """Mode count over attribute combinations: ``values`` (N, A) ints, ``sizes`` per attribute.

    Returns ``covered`` (combinations seen at least ``min_count`` times) and
    ``total`` (all combinations).  The procedural faces draw attributes
    independently, so every combination is a mode of the data.
    """
    values = np.asarray(values, dtype=np.int64)
    total = int(np.prod(sizes))
    ids = np.ravel_multi_index(values.T, tuple(sizes)) if len(values) else np.zeros(0, np.int64)
    counts = np.bincount(ids, minlength=total)
    return {"covered": int((counts >= min_count).sum()), "total": total}
