"""Streaming statistics of features: FID, KID, Inception Score, precision/recall.

Everything is fed batch by batch (:meth:`FeatureStats.update`), so memory stays
bounded whatever the sample count:

* FID needs only the mean and covariance: running sums in float64
  (Σx and Σxxᵀ, D + D² numbers), exact for any count;
* the Inception Score needs only running sums of the class posteriors and of
  their negative entropies, per split: exact too;
* KID and precision/recall need the features themselves: they use a bounded
  **uniform subset** of at most ``keep`` samples (reservoir sampling, seeded),
  as the papers do with their subsets.  Reports say how many were used.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

#: features kept for KID and precision/recall (a uniform subset of the stream)
DEFAULT_KEEP = 2000
#: Inception Score splits (Salimans et al. use 10)
IS_SPLITS = 10


class FeatureStats:
    """Running mean/covariance of a feature stream, plus a bounded uniform subset.

    ``keep`` bounds the subset used by KID and precision/recall (reservoir
    sampling with a fixed seed, so the subset depends only on the stream).
    Class logits, when given, feed the Inception Score's running sums.
    """

    def __init__(
        self, dim: int, keep: int = DEFAULT_KEEP, seed: int = 0, expected: int | None = None
    ) -> None:
        self.dim = dim
        #: the stream's length when known: the IS splits are then contiguous, as in
        #: the reference implementation; else each sample joins a random split
        self.expected = expected
        self.keep = keep
        self.n = 0
        self.sum = np.zeros(dim, np.float64)
        self.outer = np.zeros((dim, dim), np.float64)
        self.subset = np.zeros((0, dim), np.float32)
        self._rng = np.random.default_rng(seed)
        # Inception Score: per split, Σ p(y|x), Σ Σ_y p log p, count
        self._p_sum: np.ndarray | None = None
        self._negent = np.zeros(IS_SPLITS, np.float64)
        self._is_n = np.zeros(IS_SPLITS, np.int64)

    def update(
        self, features: torch.Tensor | np.ndarray, logits: torch.Tensor | None = None
    ) -> None:
        """Add a batch: (B, D) features and optionally (B, K) class logits."""
        x = features.detach().cpu().double().numpy() if torch.is_tensor(features) else features
        x = np.asarray(x, np.float64).reshape(len(x), -1)
        if x.shape[1] != self.dim:
            raise ValueError(f"features have {x.shape[1]} dimensions, expected {self.dim}")
        start = self.n
        self.n += len(x)
        self.sum += x.sum(0)
        self.outer += x.T @ x
        self._reservoir(x.astype(np.float32), start)
        if logits is not None:
            self._update_is(logits, start)

    def _reservoir(self, x: np.ndarray, start: int) -> None:
        room = self.keep - len(self.subset)
        if room > 0:
            self.subset = np.concatenate([self.subset, x[:room]])
            x, start = x[room:], start + room
        for i, row in enumerate(x):  # Algorithm R: item t replaces a slot with prob keep/(t+1)
            j = int(self._rng.integers(0, start + i + 1))
            if j < self.keep:
                self.subset[j] = row

    def _update_is(self, logits: torch.Tensor, start: int) -> None:
        logp = torch.log_softmax(logits.detach().double().cpu(), dim=1).numpy()  # (B, K)
        p = np.exp(logp)
        if self._p_sum is None:
            self._p_sum = np.zeros((IS_SPLITS, p.shape[1]), np.float64)
        index = start + np.arange(len(p))
        if self.expected:
            split = np.minimum(index * IS_SPLITS // self.expected, IS_SPLITS - 1)
        else:  # random, not i mod S: that would alias with periodic data (classes by batch)
            split = self._rng.integers(0, IS_SPLITS, len(p))
        np.add.at(self._p_sum, split, p)
        np.add.at(self._negent, split, (p * logp).sum(1))
        np.add.at(self._is_n, split, 1)

    # -- results -----------------------------------------------------------------
    @property
    def mean(self) -> np.ndarray:
        return self.sum / max(self.n, 1)

    @property
    def cov(self) -> np.ndarray:
        """Unbiased covariance (n − 1), as ``np.cov`` and pytorch-fid compute it."""
        if self.n < 2:
            raise ValueError("FID needs at least two samples per set")
        mu = self.mean
        return (self.outer - self.n * np.outer(mu, mu)) / (self.n - 1)

    def inception_score(self) -> tuple[float, float]:
        """(mean, std) over the splits of exp(E_x KL(p(y|x) ‖ p(y)))."""
        if self._p_sum is None:
            raise ValueError("no class logits were recorded (the extractor has none)")
        scores = []
        for s in range(IS_SPLITS):
            n = self._is_n[s]
            if n == 0:
                continue
            py = self._p_sum[s] / n
            # E_x Σ_y p log p(y|x) − Σ_y p(y) log p(y): KL's expectation, exactly
            kl = self._negent[s] / n - float((py * np.log(np.clip(py, 1e-300, None))).sum())
            scores.append(np.exp(kl))
        return float(np.mean(scores)), float(np.std(scores))

    # -- persistence (reference statistics cache) -------------------------------
    def arrays(self) -> dict[str, np.ndarray]:
        return {
            "n": np.array([self.n], np.int64),
            "sum": self.sum,
            "outer": self.outer,
            "subset": self.subset,
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], keep: int) -> FeatureStats:
        """Rebuild saved statistics; raises ValueError when they do not fit together."""
        total, outer, subset = arrays["sum"], arrays["outer"], arrays["subset"]
        dim = int(total.shape[0]) if total.ndim == 1 else -1
        n = int(arrays["n"].reshape(-1)[0])
        if (
            dim <= 0
            or outer.shape != (dim, dim)
            or subset.ndim != 2
            or subset.shape[1] != dim
            or not 0 < len(subset) <= keep
            or n < len(subset)
            or not (np.isfinite(total).all() and np.isfinite(outer).all())
        ):
            raise ValueError("saved statistics are inconsistent")
        stats = cls(dim, keep)
        stats.n, stats.sum, stats.outer = n, total.astype(np.float64), outer.astype(np.float64)
        stats.subset = subset.astype(np.float32)
        return stats


def frechet_from_moments(
    mu_a: np.ndarray, cov_a: np.ndarray, mu_b: np.ndarray, cov_b: np.ndarray
) -> float:
    """‖μa−μb‖² + Tr Σa + Tr Σb − 2 Tr (Σa Σb)^½.

    Tr (Σa Σb)^½ = Tr (Σa^½ Σb Σa^½)^½, whose matrix is symmetric positive
    semi-definite: two symmetric eigendecompositions, no complex round-off
    (pytorch-fid's ``sqrtm`` of the non-symmetric product gives the same
    trace, up to its numerical noise).
    """
    w, v = np.linalg.eigh(cov_a)
    root_a = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    inner = root_a @ cov_b @ root_a
    eig = np.linalg.eigvalsh((inner + inner.T) / 2)
    trace_sqrt = float(np.sqrt(np.clip(eig, 0, None)).sum())
    diff = mu_a - mu_b
    return float(diff @ diff + np.trace(cov_a) + np.trace(cov_b) - 2 * trace_sqrt)


def frechet_distance(a: FeatureStats | np.ndarray, b: FeatureStats | np.ndarray) -> float:
    """FID between two feature sets (arrays (N, D) or :class:`FeatureStats`)."""
    sa, sb = (_as_stats(x) for x in (a, b))
    return frechet_from_moments(sa.mean, sa.cov, sb.mean, sb.cov)


def _as_stats(x: FeatureStats | np.ndarray) -> FeatureStats:
    if isinstance(x, FeatureStats):
        return x
    arr = np.asarray(x, np.float64)
    stats = FeatureStats(arr.shape[1], keep=len(arr))
    stats.update(arr)
    return stats


def kernel_distance(
    a: np.ndarray, b: np.ndarray, subsets: int = 10, size: int = 1000, seed: int = 0
) -> float:
    """KID: unbiased MMD² with the cubic polynomial kernel k(x,y) = (xᵀy/d + 1)³,
    averaged over ``subsets`` random subsets of ``size`` (Bińkowski et al.)."""
    rng = np.random.default_rng(seed)
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    d = a.shape[1]
    m = min(size, len(a), len(b))
    if m < 2:
        raise ValueError("KID needs at least two samples per set")
    total = 0.0
    for _ in range(subsets):
        x = a[rng.choice(len(a), m, replace=False)]
        y = b[rng.choice(len(b), m, replace=False)]
        kxx = (x @ x.T / d + 1) ** 3
        kyy = (y @ y.T / d + 1) ** 3
        kxy = (x @ y.T / d + 1) ** 3
        total += (
            (kxx.sum() - np.trace(kxx)) / (m * (m - 1))
            + (kyy.sum() - np.trace(kyy)) / (m * (m - 1))
            - 2 * kxy.mean()
        )
    return float(total / subsets)


@dataclass(frozen=True)
class PrecisionRecall:
    precision: float
    recall: float


def _kth_radius(x: torch.Tensor, k: int, chunk: int = 1024) -> torch.Tensor:
    """Distance from each row to its k-th nearest other row (the k-NN manifold radii)."""
    out = []
    for part in x.split(chunk):
        d = torch.cdist(part, x)  # (c, N); the point itself is at distance 0
        out.append(d.kthvalue(k + 1, dim=1).values)
    return torch.cat(out)


def _covered(
    points: torch.Tensor, centres: torch.Tensor, radii: torch.Tensor, chunk: int = 1024
) -> float:
    """Share of ``points`` inside at least one ball (centre, radius)."""
    hits = 0
    for part in points.split(chunk):
        d = torch.cdist(part, centres)  # (c, M)
        hits += int((d <= radii[None, :]).any(dim=1).sum())
    return hits / len(points)


def precision_recall(real: np.ndarray, fake: np.ndarray, k: int = 3) -> PrecisionRecall:
    """Improved precision and recall (Kynkäänniemi et al. 2019).

    Precision: the share of generated samples inside the real manifold (the
    union of balls around each real sample reaching its k-th nearest real
    neighbour); recall: the share of real samples inside the generated manifold.
    """
    r = torch.as_tensor(np.asarray(real), dtype=torch.float64)
    f = torch.as_tensor(np.asarray(fake), dtype=torch.float64)
    if min(len(r), len(f)) <= k:
        raise ValueError(f"precision/recall needs more than k={k} samples per set")
    return PrecisionRecall(
        precision=_covered(f, r, _kth_radius(r, k)),
        recall=_covered(r, f, _kth_radius(f, k)),
    )
