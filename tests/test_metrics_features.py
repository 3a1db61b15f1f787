"""The bundled feature network: small, loadable, and its FID tells faces from noise."""

from __future__ import annotations

import torch

from ganstudio.core.data.tensors import ProceduralFacesDataset
from ganstudio.core.metrics.evaluate import dataset_batches, make_extractor, stream_stats
from ganstudio.core.metrics.feature_net import BUNDLED
from ganstudio.core.metrics.stats import frechet_distance
from ganstudio.core.model_files import find_model_files


def test_the_feature_net_is_small_and_not_listed_as_a_model() -> None:
    assert BUNDLED.is_file() and BUNDLED.stat().st_size < 600_000
    assert BUNDLED not in {m.path for m in find_model_files()}


def test_fid_of_faces_against_faces_is_far_below_faces_against_noise() -> None:
    extractor = make_extractor("features")
    a = stream_stats(extractor, dataset_batches(ProceduralFacesDataset(32, 100, seed=1), 100, 50))
    b = stream_stats(extractor, dataset_batches(ProceduralFacesDataset(32, 100, seed=2), 100, 50))
    g = torch.Generator().manual_seed(0)
    noise = stream_stats(extractor, [torch.rand(100, 3, 32, 32, generator=g) * 2 - 1])
    same, different = frechet_distance(a, b), frechet_distance(a, noise)
    assert same < 0.1 * different  # other faces are close; noise is not
    mean, _ = a.inception_score()
    assert mean > 4  # the faces spread over many of the 20 classes
