"""Metrics at a cadence during training, and a routine's optional ``status()``.

The Trainer makes one :class:`TrainingMetrics` (when ``TrainOptions.metrics``
names any) and asks it at every step whether a measurement is due; the
measurement generates ``metrics_count`` images with the routine's
``samples(n, seed)`` (the same seeds each time, so curves compare like with
like) and compares them with the training data's cached reference statistics.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import torch

from ganstudio.core.metrics.base import FeatureExtractor
from ganstudio.core.metrics.evaluate import (
    compare,
    make_extractor,
    parse_metrics,
    reference_stats,
    stream_stats,
)
from ganstudio.core.metrics.stats import FeatureStats

log = logging.getLogger("ganstudio.metrics")

#: the seed of the measured samples (fixed: every measurement sees the same latents)
SEED = 777_000
STATUS_ITEMS = 8


class TrainingMetrics:
    """Measures a routine's samples against the training data every ``every`` steps."""

    def __init__(
        self,
        metrics: str,
        every: int,
        count: int,
        extractor: str,
        dataset: Any,
        data_spec: str,
        resolution: int,
        device: torch.device | str = "cpu",
        batch: int = 64,
    ) -> None:
        self.metrics = parse_metrics(metrics)
        self.every = every
        self.count = max(2, count)
        self.extractor_spec = extractor
        self.dataset = dataset
        self.data_spec = data_spec
        self.resolution = resolution
        self.device = device
        self.batch = batch
        # built now, so a bad --metrics-extractor fails before the first step
        self._extractor: FeatureExtractor = make_extractor(extractor, device)
        self._reference: FeatureStats | None = None

    def due(self, step: int, total: int) -> bool:
        return self.every > 0 and (step % self.every == 0 or step == total)

    def measure(self, routine: Any) -> dict[str, float]:
        """The metrics of ``routine.samples`` now; the reference is built once (cached)."""
        if self._reference is None:
            self._reference = reference_stats(
                self.dataset,
                self.data_spec,
                self._extractor,
                self.resolution,
                self.count,
                self.batch,
            ).stats

        def batches() -> Any:
            with torch.no_grad():
                for start in range(0, self.count, self.batch):
                    n = min(self.batch, self.count - start)
                    yield routine.samples(n, SEED + start).float()

        fake = stream_stats(self._extractor, batches(), expected=self.count)
        values = compare(self._reference, fake, self.metrics, self._extractor.name).values
        return {k: v for k, v in values.items() if math.isfinite(v)}


def from_options(
    options: Any, dataset: Any, data_spec: str, config: Any, device: Any
) -> TrainingMetrics | None:
    """The Trainer's metrics hook for these options, or None when none are asked for."""
    names = getattr(options, "metrics", "")
    if not names or getattr(options, "metrics_every", 0) <= 0:
        return None
    return TrainingMetrics(
        names,
        options.metrics_every,
        options.metrics_count,
        options.metrics_extractor,
        dataset,
        data_spec,
        int(getattr(config, "resolution", 64)),
        device,
    )


class RoutineStatus:
    """Reads a routine's optional ``status()``: a small dict of str → number/str.

    Routines need not have it; one that raises is ignored from then on (logged
    once), never fatal: a plugin's bug must not stop a training run.
    """

    def __init__(self, routine: Any) -> None:
        self._fn = getattr(routine, "status", None)

    def __call__(self) -> dict[str, float | int | str]:
        if self._fn is None:
            return {}
        try:
            items = list(dict(self._fn()).items())[:STATUS_ITEMS]
        except Exception as exc:  # noqa: BLE001 - any plugin failure
            log.warning("the routine's status() failed (%s); not asking again", exc)
            self._fn = None
            return {}
        out: dict[str, float | int | str] = {}
        for key, value in items:
            if isinstance(value, int | float) and not isinstance(value, bool):
                out[str(key)[:40]] = value
            else:
                out[str(key)[:40]] = str(value)[:60]
        return out
