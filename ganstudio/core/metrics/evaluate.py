"""Measure a generator against a data set: extractors by name, cached reference statistics.

Shared by ``ganstudio eval`` and the Trainer's metrics cadence.  Reference
statistics (the real images' features) depend only on the data spec, the
extractor, the resolution and the sample count; they are cached under the
user's cache folder (``paths.cache_dir() / "metrics"``), written atomically.
A cache file that cannot be read or does not match its key is ignored and
rebuilt, never fatal.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.numpy import load_file, save_file

from ganstudio.core import paths
from ganstudio.core.atomic import atomic_path
from ganstudio.core.metrics.base import FeatureExtractor, PixelFeatures, extract
from ganstudio.core.metrics.stats import (
    DEFAULT_KEEP,
    FeatureStats,
    frechet_distance,
    kernel_distance,
    precision_recall,
)
from ganstudio.errors import UserError

log = logging.getLogger("ganstudio.metrics")

METRICS = ("fid", "kid", "is", "pr")
#: bump when the statistics' meaning changes, so old cache files are not reused
CACHE_VERSION = 1
EXTRACTOR_HELP = "features (the bundled face feature net, default), inception:PATH, pixels"

Progress = Callable[[int], None]


def parse_metrics(text: str | Sequence[str]) -> tuple[str, ...]:
    """``"fid,kid"`` → ("fid", "kid"); an unknown name is a :class:`UserError`."""
    words = text.split(",") if isinstance(text, str) else list(text)
    names = tuple(dict.fromkeys(w.strip().lower() for w in words if w.strip()))
    unknown = [n for n in names if n not in METRICS]
    if unknown or not names:
        what = f"unknown metric {unknown[0]!r}" if unknown else "no metric named"
        raise UserError(f"{what}; choose from {', '.join(METRICS)}")
    return names


def make_extractor(spec: str | None, device: str | torch.device = "cpu") -> FeatureExtractor:
    """An extractor by name: ``features`` (default), ``inception:PATH`` or ``pixels``."""
    from ganstudio.core.metrics.feature_net import FeatureNetFeatures

    text = (spec or "features").strip()
    kind, _, arg = text.partition(":")
    if kind in ("features", "feature-net") and not arg:
        return FeatureNetFeatures(device=device)
    if kind == "pixels" and not arg:
        return PixelFeatures()
    if kind == "inception":
        if not arg:
            raise UserError("--extractor inception:PATH needs the path of the weights file")
        from ganstudio.core.metrics.inception import InceptionFeatures  # torchvision: slow

        return InceptionFeatures(arg, device=device)
    raise UserError(f"unknown extractor {text!r}; choose from {EXTRACTOR_HELP}")


def stream_stats(
    extractor: FeatureExtractor,
    batches: Iterable[torch.Tensor],
    keep: int = DEFAULT_KEEP,
    on_batch: Progress | None = None,
    expected: int | None = None,
) -> FeatureStats:
    """Features of a stream of image batches (``expected`` images), with bounded memory."""
    stats: FeatureStats | None = None
    for images in batches:
        feats, logits = extract(extractor, images)
        if stats is None:
            stats = FeatureStats(feats.shape[1], keep, expected=expected)
        stats.update(feats, logits)
        if on_batch is not None:
            on_batch(len(images))
    if stats is None:
        raise UserError("no images to measure")
    return stats


def dataset_batches(dataset: Any, count: int, batch: int) -> Iterator[torch.Tensor]:
    """The first ``count`` images of a dataset (``{"image": …}`` items), in batches."""
    n = min(count, len(dataset))
    for start in range(0, n, batch):
        items = [dataset[i]["image"] for i in range(start, min(start + batch, n))]
        yield torch.stack(items)  # (B, C, H, W)


@dataclass
class Reference:
    stats: FeatureStats
    cached: bool
    path: Path | None


def cache_key(data_spec: str, extractor: str, resolution: int, count: int, keep: int) -> str:
    return json.dumps(
        {
            "data": data_spec,
            "extractor": extractor,
            "resolution": resolution,
            "count": count,
            "keep": keep,
            "version": CACHE_VERSION,
        },
        sort_keys=True,
    )


def reference_stats(
    dataset: Any,
    data_spec: str,
    extractor: FeatureExtractor,
    resolution: int,
    count: int,
    batch: int = 64,
    keep: int = DEFAULT_KEEP,
    use_cache: bool = True,
    on_batch: Progress | None = None,
) -> Reference:
    """The real images' statistics, from the cache when a valid entry exists."""
    count = min(count, len(dataset))
    key = cache_key(data_spec, extractor.name, resolution, count, keep)
    digest = hashlib.sha256(key.encode()).hexdigest()[:20]
    path = paths.cache_dir() / "metrics" / f"ref-{digest}.safetensors"
    if use_cache:
        stats = _read_cache(path, key, keep)
        if stats is not None:
            return Reference(stats, True, path)
    stats = stream_stats(
        extractor, dataset_batches(dataset, count, batch), keep, on_batch, expected=count
    )
    if use_cache:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with atomic_path(path) as tmp:
                save_file(stats.arrays(), str(tmp), metadata={"key": key})
        except OSError as exc:  # a read-only cache costs time, not the result
            log.warning("could not cache reference statistics in %s: %s", path, exc)
            return Reference(stats, False, None)
    return Reference(stats, False, path if use_cache else None)


def _read_cache(path: Path, key: str, keep: int) -> FeatureStats | None:
    if not path.is_file():
        return None
    try:
        from safetensors import safe_open

        with safe_open(str(path), "np") as fh:
            saved_key = (fh.metadata() or {}).get("key")
        if saved_key != key:
            raise ValueError("made for other settings")
        return FeatureStats.from_arrays(load_file(str(path)), keep)
    except (SafetensorError, OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        log.warning("ignoring damaged reference statistics %s (%s); rebuilding", path, exc)
        return None


@dataclass
class MetricsResult:
    """Named values (``fid``, ``kid``, ``is``, ``is_std``, ``precision``, ``recall``)."""

    values: dict[str, float]
    extractor: str
    real_count: int
    fake_count: int
    #: samples per set used by KID and precision/recall (a uniform subset)
    subset: int
    reference_cached: bool = False
    notes: list[str] = field(default_factory=list)


def compare(
    real: FeatureStats, fake: FeatureStats, metrics: Sequence[str], extractor: str = ""
) -> MetricsResult:
    """The asked-for metrics of generated (``fake``) against real statistics."""
    values: dict[str, float] = {}
    if "fid" in metrics:
        values["fid"] = frechet_distance(real, fake)
    if "kid" in metrics:
        values["kid"] = kernel_distance(real.subset, fake.subset)
    if "is" in metrics:
        try:
            values["is"], values["is_std"] = fake.inception_score()
        except ValueError:
            raise UserError(
                f"the {extractor or 'chosen'} extractor has no class logits: the Inception "
                "Score needs the feature net or inception:PATH"
            ) from None
    if "pr" in metrics:
        pr = precision_recall(real.subset, fake.subset)
        values["precision"], values["recall"] = pr.precision, pr.recall
    subset = min(len(real.subset), len(fake.subset))
    return MetricsResult(values, extractor, real.n, fake.n, subset)


def images_from_model(
    model: Any, registry: Any, count: int, batch: int = 64, seed: int = 0
) -> Iterator[torch.Tensor]:
    """``count`` generated images in batches, through the model's ``generate`` action.

    Image i uses seed ``seed + i`` (the generate actions' convention).  When
    the action has a choice parameter (e.g. the class of a conditional
    model), batches cycle through its choices, so every condition is measured.
    """
    from ganstudio.core.actions import run_action
    from ganstudio.core.specs import ChoiceParam, IntParam

    action = generate_action(model, registry)
    specs = action.params_for(model)
    choices = [s for s in specs if isinstance(s, ChoiceParam) and s.choices]
    cap = next(
        (int(s.max) for s in specs if isinstance(s, IntParam) and s.name == "count" and s.max),
        batch,
    )
    step = max(1, min(batch, cap))
    for k, start in enumerate(range(0, count, step)):
        values: dict[str, Any] = {"seed": seed + start, "count": min(step, count - start)}
        for spec in choices:
            values[spec.name] = spec.choices[k % len(spec.choices)]
        out = run_action(action, model, values)
        images = out.result.images
        if not torch.is_tensor(images):
            from ganstudio.core.data.tensors import pil_to_tensor

            images = torch.stack([pil_to_tensor(im.convert("RGB")) for im in images])
        yield images.float()[: values["count"]]


def generate_action(model: Any, registry: Any) -> Any:
    """The model's ``generate`` action; a :class:`UserError` when it has none."""
    from ganstudio.core.registry import UnknownSpecError

    try:
        return registry.action_for("generate", model.capabilities, model.variant_id)
    except UnknownSpecError:
        raise UserError(
            f"{model.name}: a {model.variant_id} model does not generate images from noise, "
            "so there is nothing to measure"
        ) from None
