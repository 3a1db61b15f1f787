"""The ``fit-directions`` action: attribute directions from labels or from PCA.

Run by ``ganstudio directions fit`` (and the GUI), which stores the returned
``directions.NAME`` tensors in the model file.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import torch

from ganstudio.core.specs import ActionResult, ParamError, Progress

from .classifier import classifier_size, load_labelled, score, train_classifier
from .directions import fit_linear, fit_pca, safe_name
from .wspace import broadcast, render, sample_w


def _split(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def fit_directions(
    model: Any, params: dict[str, Any], inputs: dict[str, Any]
) -> Generator[Progress, None, ActionResult]:
    """Directions from labels (InterFaceGAN) or from PCA of W (GANSpace); yields progress."""
    if params["method"] == "pca":
        return (yield from _fit_pca(model, params))
    return (yield from _fit_labels(model, params, inputs.get("dataset")))


def _fit_pca(model: Any, params: dict[str, Any]) -> Generator[Progress, None, ActionResult]:
    G = model.generator.eval()
    yield Progress(0, None, f"sampling {params['samples']} latents", fraction=0.0)
    w = sample_w(G, params["samples"], params["seed"]).cpu()
    dirs, ratio = fit_pca(w, params["components"])
    given = [safe_name(n) for n in _split(params["names"])]
    names = given[: len(dirs)] + [f"pc{i}" for i in range(len(given), len(dirs))]
    if len(set(names)) != len(names):
        raise ParamError("names: each component needs a different name")
    for name, r in zip(names, ratio.tolist(), strict=True):
        yield Progress(message=f"{name}: {100 * r:.1f}% of the variance of W")
    return ActionResult(
        tensors={f"directions.{n}": d.contiguous() for n, d in zip(names, dirs, strict=True)},
        info={
            "method": "pca",
            "directions": names,
            "explained_variance": [round(r, 4) for r in ratio.tolist()],
        },
    )


def _fit_labels(
    model: Any, params: dict[str, Any], dataset: Any
) -> Generator[Progress, None, ActionResult]:
    if dataset is None:
        raise ParamError(
            "method=labels needs labelled data, e.g. --data procedural:faces (or use method=pca)"
        )
    G = model.generator.eval()
    resolution = int(getattr(model.config, "resolution", 32))
    yield Progress(0, None, f"reading {params['images']} labelled images", fraction=0.0)
    images, labels = load_labelled(dataset, params["images"])
    label_names = list(
        getattr(dataset, "label_names", None) or [f"attr{i}" for i in range(labels.shape[1])]
    )
    wanted = _split(params["attributes"])
    unknown = [a for a in wanted if a not in label_names and a not in map(safe_name, label_names)]
    if unknown:
        raise ParamError(
            f"attributes: unknown {unknown[0]!r} (the data has: {', '.join(label_names)})"
        )
    net = yield from train_classifier(
        images, labels, params["steps"], seed=params["seed"], size=classifier_size(resolution)
    )
    n = params["samples"]
    w = sample_w(G, n, params["seed"] + 1)  # (N, w_dim)
    scores = []
    for i in range(0, n, 128):
        imgs = render(G, broadcast(w[i : i + 128], int(G.num_ws)))  # (b, 3, H, W)
        scores.append(score(net, imgs))
        yield Progress(
            i, n, f"labelling generated faces {min(i + 128, n)}/{n}", fraction=min(i + 128, n) / n
        )
    fit = fit_linear(w.cpu(), torch.cat(scores))
    tensors: dict[str, torch.Tensor] = {}
    accuracy: dict[str, float] = {}
    for j, label in enumerate(label_names):
        name = safe_name(label)
        if wanted and label not in wanted and name not in wanted:
            continue
        tensors[f"directions.{name}"] = fit.directions[j].contiguous()
        accuracy[name] = round(float(fit.accuracy[j]), 3)
        yield Progress(
            message=f"{name}: held-out accuracy {fit.accuracy[j]:.2f}, R² {fit.r2[j]:.2f}"
        )
    r2 = {safe_name(n): round(float(r), 3) for n, r in zip(label_names, fit.r2, strict=True)}
    return ActionResult(
        tensors=tensors,
        info={"method": "labels", "directions": list(tensors), "accuracy": accuracy, "r2": r2},
    )
