"""FID, KID, Inception Score and precision/recall on features whose answers are known."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
import torch

from ganstudio.core.metrics import (
    FeatureStats,
    frechet_distance,
    kernel_distance,
    precision_recall,
)


def fid_reference(a: np.ndarray, b: np.ndarray) -> float:
    """The FID formula as pytorch-fid states it: scipy's sqrtm of Σa·Σb, real part."""
    mu_a, mu_b = a.mean(0), b.mean(0)
    sa, sb = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean = scipy.linalg.sqrtm(sa @ sb)
    if not np.isfinite(covmean).all():
        offset = np.eye(len(sa)) * 1e-6
        covmean = scipy.linalg.sqrtm((sa + offset) @ (sb + offset))
    covmean = np.real(covmean)
    diff = mu_a - mu_b
    return float(diff @ diff + np.trace(sa) + np.trace(sb) - 2 * np.trace(covmean))


def gaussian(n: int, d: int, seed: int, shift: float = 0.0, scale: float = 1.0) -> np.ndarray:
    """n samples of one fixed correlated Gaussian in d dimensions (the seed draws the samples)."""
    mix = np.random.default_rng(0).normal(size=(d, d)) / np.sqrt(d)  # like a network's features
    return (np.random.default_rng(seed).normal(size=(n, d)) @ mix) * scale + shift


def test_fid_matches_the_sqrtm_formula() -> None:
    a = gaussian(400, 24, seed=1)
    b = gaussian(300, 24, seed=2, shift=0.3, scale=1.4)
    ours, ref = frechet_distance(a, b), fid_reference(a, b)
    assert ref > 1.0  # the sets differ: a real comparison, not 0 ≈ 0
    assert ours == pytest.approx(ref, abs=1e-3)
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)


def test_fid_streamed_in_batches_equals_all_at_once_and_ignores_order() -> None:
    a = gaussian(500, 16, seed=3)
    b = gaussian(500, 16, seed=4, shift=0.5)
    whole = frechet_distance(a, b)
    streamed = FeatureStats(16, keep=50)
    for part in np.array_split(a[np.random.default_rng(0).permutation(500)], 7):
        streamed.update(torch.from_numpy(part))
    assert frechet_distance(streamed, b) == pytest.approx(whole, rel=1e-9)
    assert frechet_distance(a[::-1].copy(), b) == pytest.approx(whole, rel=1e-9)


def test_the_kept_subset_is_bounded_and_drawn_from_the_whole_stream() -> None:
    stats = FeatureStats(2, keep=100, seed=0)
    for start in range(0, 10_000, 250):  # the values count up: late ones are large
        stats.update(np.arange(start, start + 250, dtype=np.float64)[:, None].repeat(2, 1))
    assert stats.subset.shape == (100, 2) and stats.n == 10_000
    assert stats.subset[:, 0].max() > 5_000  # not just the first hundred
    assert np.allclose(stats.mean, 4999.5)


def test_kid_of_identical_sets_is_about_zero_and_of_different_sets_is_not() -> None:
    a = gaussian(600, 32, seed=5)
    same = kernel_distance(a, a.copy(), subsets=20, size=200)
    other = kernel_distance(a, gaussian(600, 32, seed=6, shift=0.5), subsets=20, size=200)
    assert abs(same) < 0.05 * other  # sampling noise of 20 subsets of 200
    assert other > 0.05


def test_inception_score_of_a_confident_uniform_classifier_is_the_class_count() -> None:
    classes = 8
    labels = np.arange(800) % classes  # every class equally often
    logits = torch.full((800, classes), -30.0)
    logits[torch.arange(800), torch.from_numpy(labels)] = 30.0  # certain of each sample
    stats = FeatureStats(1, expected=800)  # ten contiguous splits of 80, as in the paper
    stats.update(np.zeros((800, 1)), logits)
    mean, std = stats.inception_score()
    assert mean == pytest.approx(classes, rel=1e-6) and std == pytest.approx(0, abs=1e-6)


def test_inception_score_on_known_logits() -> None:
    """One split: IS = exp(mean KL(p(y|x) ‖ p(y))), computed here by hand."""
    logits = torch.tensor([[2.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.5]])
    p = torch.softmax(logits.double(), 1).numpy()
    py = p.mean(0)
    expected = np.exp(np.mean([(row * np.log(row / py)).sum() for row in p]))
    stats = FeatureStats(1, expected=30)
    for _ in range(10):  # each contiguous split of three holds the three samples once
        stats.update(np.zeros((3, 1)), logits)
    assert stats.inception_score()[0] == pytest.approx(expected, rel=1e-9)
    collapsed = FeatureStats(1)
    collapsed.update(np.zeros((20, 1)), logits[[0] * 20])
    assert collapsed.inception_score()[0] == pytest.approx(1.0)  # one class: no diversity


def test_precision_recall_on_known_points() -> None:
    real = np.arange(10, dtype=np.float64)[:, None]  # 0 … 9; with k=1 each radius is 1
    fake = np.array([[0.5], [100.0]])  # one sample near the data, one far away
    pr = precision_recall(real, fake, k=1)
    assert pr.precision == 0.5  # 0.5 lies in the ball of 0; 100 in none
    assert pr.recall == 1.0  # the two fakes' balls (radius 99.5) cover every real point
    collapsed = precision_recall(real, np.array([[2.0], [2.1], [2.2]]), k=1)
    assert collapsed.precision == 1.0  # every sample looks real …
    assert collapsed.recall == pytest.approx(0.1)  # … but only 2 of 0 … 9 is covered


def test_precision_recall_of_the_same_distribution_is_high_and_of_a_shifted_one_low() -> None:
    a, b = gaussian(400, 8, seed=7), gaussian(400, 8, seed=8)
    same = precision_recall(a, b, k=3)
    far = precision_recall(a, b + 10.0, k=3)
    assert same.precision > 0.8 and same.recall > 0.8
    assert far.precision == 0.0 and far.recall == 0.0


def test_statistics_survive_a_round_trip_and_damage_is_refused() -> None:
    stats = FeatureStats(4, keep=10)
    stats.update(gaussian(30, 4, seed=9))
    again = FeatureStats.from_arrays(stats.arrays(), keep=10)
    assert np.allclose(again.cov, stats.cov) and np.allclose(again.subset, stats.subset)
    broken = dict(stats.arrays(), outer=np.zeros((3, 3)))
    with pytest.raises(ValueError):
        FeatureStats.from_arrays(broken, keep=10)
