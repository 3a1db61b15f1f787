"""Mode coverage on mixtures whose modes are known (ganstudio.core.modes)."""

from __future__ import annotations

import numpy as np
import pytest

from ganstudio.core.modes import (
    TOY_DISTRIBUTIONS,
    attribute_modes,
    face_attributes_from_labels,
    grid,
    mode_coverage,
    ring,
    toy_distribution,
)


def test_the_toy_distributions_have_their_modes() -> None:
    assert {n: d.modes for n, d in TOY_DISTRIBUTIONS.items()} == {
        "mixture-1d": 4,
        "ring-8": 8,
        "grid-25": 25,
    }
    assert np.allclose(np.linalg.norm(ring().centres, axis=1), 2.0)
    assert sorted(set(grid().centres[:, 0])) == [-4, -2, 0, 2, 4]
    with pytest.raises(ValueError, match="ring-8"):
        toy_distribution("ring-9")


@pytest.mark.parametrize("name", sorted(TOY_DISTRIBUTIONS))
def test_samples_of_the_data_itself_cover_every_mode(name: str) -> None:
    dist = TOY_DISTRIBUTIONS[name]
    report = mode_coverage(dist.sample(2500, np.random.default_rng(0)), dist)
    assert report.covered == dist.modes
    assert report.high_quality > 0.98  # 3σ holds 98.9 % (2-D) / 99.7 % (1-D) of a Gaussian


def test_a_collapsed_generator_covers_only_the_modes_it_hits() -> None:
    dist = ring()
    rng = np.random.default_rng(1)
    # three of the eight modes, plus a cloud between them that is not near any mode
    on_modes = dist.centres[[0, 2, 5]][rng.integers(3, size=300)] + rng.normal(0, 0.02, (300, 2))
    between = rng.normal(0, 0.3, (100, 2))  # near the centre of the ring: low quality
    report = mode_coverage(np.concatenate([on_modes, between]), dist)
    assert report.covered == 3
    assert report.high_quality == pytest.approx(300 / 400, abs=0.02)
    assert [i for i, c in enumerate(report.counts) if c] == [0, 2, 5]
    assert mode_coverage(on_modes, dist, min_count=200).covered == 0  # ~100 each


def test_diverged_samples_count_as_low_quality() -> None:
    dist = grid()
    samples = np.array([[0.0, 0.0], [np.nan, 0.0], [np.inf, 1.0]])
    report = mode_coverage(samples, dist)
    assert (report.covered, report.high_quality) == (1, pytest.approx(1 / 3))
    with pytest.raises(ValueError, match="dimensions"):
        mode_coverage(np.zeros((3, 1)), dist)


def test_face_modes_count_attribute_combinations() -> None:
    names = ["smile", "glasses", "hair_colour=black", "hair_colour=red", "beard"]
    labels = np.array(
        [
            [0.3, 1, 0.9, 0.1, 0],  # glasses, black, no beard
            [0.9, 1, 0.2, 0.7, 0],  # glasses, red
            [0.5, 0, 1.0, 0.0, 1],  # beard, black
            [0.1, 0.8, 0.6, 0.4, 0.2],  # glasses, black (again)
        ]
    )
    values, sizes = face_attributes_from_labels(labels, names)
    assert sizes == (2, 2, 2)
    assert values.tolist() == [[1, 0, 0], [1, 0, 1], [0, 1, 0], [1, 0, 0]]
    assert attribute_modes(values, sizes) == {"covered": 3, "total": 8}
    assert attribute_modes(values, sizes, min_count=2) == {"covered": 1, "total": 8}
    with pytest.raises(ValueError, match="no label column"):
        face_attributes_from_labels(labels, names, ("background",))
