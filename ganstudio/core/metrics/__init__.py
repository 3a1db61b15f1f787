"""Sample-quality metrics: FID, KID, Inception Score, precision/recall.

Features come from a pluggable extractor (:mod:`.extractors`): the bundled
feature network (default), pytorch-fid's Inception-v3 from a local weights
file, or down-sampled pixels.  Statistics stream batch by batch
(:mod:`.stats`); reference statistics of a data set are cached
(:mod:`.evaluate`).  Numbers from different extractors are not comparable;
reports name theirs.
"""

from ganstudio.core.metrics.base import FeatureExtractor, PixelFeatures, features, fid
from ganstudio.core.metrics.stats import (
    FeatureStats,
    PrecisionRecall,
    frechet_distance,
    frechet_from_moments,
    kernel_distance,
    precision_recall,
)


def __getattr__(name: str) -> object:
    """``InceptionFeatures`` on first use: it imports torchvision (slow)."""
    if name == "InceptionFeatures":
        from ganstudio.core.metrics.inception import InceptionFeatures

        return InceptionFeatures
    raise AttributeError(name)


__all__ = [
    "FeatureExtractor",
    "FeatureStats",
    "InceptionFeatures",
    "PixelFeatures",
    "PrecisionRecall",
    "features",
    "fid",
    "frechet_distance",
    "frechet_from_moments",
    "kernel_distance",
    "precision_recall",
]
