"""Measure BigGAN's truncation trade-off: variety against fidelity, per threshold.

For each truncation threshold, draws ``--count`` images (classes in turn,
seed i for image i) from a BigGAN model file and compares them with real
procedural faces the model never saw, in the feature space of
``ganstudio.core.metrics`` (``PixelFeatures``: 16×16 pixels, no weights):

* FID and KID (``frechet_distance`` / ``kernel_distance``): lower is closer
  to the real distribution (they punish lost variety and bad images alike);
* precision / recall with k-nearest-neighbour balls (Kynkäänniemi et al.
  2019, computed here): precision = share of generated images inside the
  real data's manifold (fidelity), recall = share of real images inside the
  generated one's (variety);
* spread: mean distance between two generated images over the same for two
  real ones (1.0 = as varied as the data).

    .venv/bin/python scripts/eval_truncation.py RUN/checkpoints/latest.safetensors

Prints a Markdown table (the one in README.md was made this way).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from ganstudio import plugins
from ganstudio.core.data.tensors import ProceduralFacesDataset
from ganstudio.core.metrics import PixelFeatures, features, frechet_distance, kernel_distance
from ganstudio.core.models import load_model

DEFAULT_TRUNCATIONS = "3.0,2.0,1.5,1.0,0.75,0.5,0.25,0.1"


def knn_radii(feats: torch.Tensor, k: int) -> torch.Tensor:
    """Distance from each point to its k-th nearest other point of the same set."""
    d = torch.cdist(feats, feats)
    return d.kthvalue(k + 1, dim=1).values  # +1: the point itself is at distance 0


def coverage(points: torch.Tensor, centres: torch.Tensor, radii: torch.Tensor) -> float:
    """Share of ``points`` inside at least one ball (centre, radius)."""
    d = torch.cdist(points, centres)
    return float((d <= radii[None, :]).any(1).float().mean())


def spread(feats: torch.Tensor, pairs: int = 4000, seed: int = 0) -> float:
    g = torch.Generator().manual_seed(seed)
    i = torch.randint(len(feats), (pairs,), generator=g)
    j = torch.randint(len(feats), (pairs,), generator=g)
    return float((feats[i] - feats[j]).norm(dim=1).mean())


def truncated_draws(model, count: int, threshold: float) -> torch.Tensor:
    """count images, class i mod K, seed i: what the generate action draws."""
    import importlib
    import sys

    pkg = sys.modules[type(model.config).__module__].__package__
    truncated_normal = importlib.import_module(f"{pkg}.actions").truncated_normal
    G = model.generator.eval()
    k = model.config.num_classes
    out = []
    with torch.no_grad():
        for start in range(0, count, 100):
            seeds = list(range(start, min(count, start + 100)))
            z = truncated_normal(seeds, model.config.z_dim, threshold)
            y = torch.tensor([s % k for s in seeds])
            out.append(G(z.to(model.device), y.to(model.device)).float().cpu())
    return torch.cat(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path, help="a BigGAN .safetensors")
    parser.add_argument("--count", type=int, default=1000, help="images per threshold")
    parser.add_argument("--truncations", default=DEFAULT_TRUNCATIONS)
    parser.add_argument("--k", type=int, default=3, help="neighbours for precision/recall")
    args = parser.parse_args()
    torch.set_num_threads(1)
    t0 = time.perf_counter()
    registry = plugins.get_registry()
    model = load_model(args.model, registry)
    if model.variant_id != "biggan":
        raise SystemExit(f"{args.model.name} is a {model.variant_id} model, not a BigGAN")
    res = int(model.config.resolution)
    real_data = ProceduralFacesDataset(size=max(32, res), count=args.count, seed=777)
    real = torch.stack([real_data[i]["image"] for i in range(len(real_data))])
    if real.size(-1) != res:
        real = torch.nn.functional.adaptive_avg_pool2d(real, res)
    extractor = PixelFeatures()
    real_f = torch.from_numpy(features(extractor, real.split(250))).float()
    real_r = knn_radii(real_f, args.k)
    real_spread = spread(real_f)
    print(
        f"{model.path.name if model.path else 'model'}: {args.count} images per threshold, "
        f"{len(real)} held-out real faces, features {extractor.name}\n"
    )
    print("| truncation | FID ↓ | KID ↓ | precision (fidelity) ↑ | recall (variety) ↑ | spread |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for t in (float(v) for v in args.truncations.split(",")):
        fake = truncated_draws(model, args.count, t)
        fake_f = torch.from_numpy(features(extractor, fake.split(250))).float()
        fid = frechet_distance(real_f.double().numpy(), fake_f.double().numpy())
        kid = kernel_distance(real_f.double().numpy(), fake_f.double().numpy())
        precision = coverage(fake_f, real_f, real_r)
        recall = coverage(real_f, fake_f, knn_radii(fake_f, args.k))
        print(
            f"| {t:g} | {fid:.2f} | {kid:.4f} | {precision:.3f} | {recall:.3f} "
            f"| {spread(fake_f) / real_spread:.2f} |",
            flush=True,
        )
    print(f"\n({time.perf_counter() - t0:.0f} s; numpy {np.__version__})")


if __name__ == "__main__":
    main()
