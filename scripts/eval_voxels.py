"""Evaluate a 3D-GAN: memorisation vs novelty, and class coverage (issue #14).

For a model's samples (seeds 0..N-1, threshold 0.5):

* **nearest-training IoU**: each sample's best voxel IoU against the training
  shapes; near 1 means copies of training shapes, low means novel or broken ones;
* **coverage**: a small 3-D conv classifier (trained here, on the same data, and
  cached under runs/) labels the samples; we report the class histogram, how many
  classes receive at least 2 % of the samples, and the normalised entropy (1: all
  classes equally often);
* ``--modelnet``: the same after a short evaluation-only run on ModelNet10 train
  (../shared/data/modelnet10, research use only: nothing trained on it is
  shipped), scored on ModelNet10 test: classifier accuracy on test, and for each
  test shape the best IoU among the samples (how much of the test set the
  samples come near).  The short run is the demo recipe's first phase only
  (``--warm-steps`` of GLO latent optimisation, no adversarial steps): a budget
  check of the pipeline on real shapes, not a trained 3D-GAN.

    .venv/bin/python scripts/eval_voxels.py                      # the bundled demo
    .venv/bin/python scripts/eval_voxels.py --model M --samples 500
    .venv/bin/python scripts/eval_voxels.py --modelnet --warm-steps 300 --steps 60

Prints a Markdown table (the README's) and writes it to docs/voxels/eval.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import time
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from torch import nn

from ganstudio import plugins
from ganstudio.blocks import seeded_normal
from ganstudio.core.data.shapes import CLASSES, ProceduralShapes
from ganstudio.core.models import load_model

REPO = Path(__file__).resolve().parent.parent
MODELNET = REPO.parent / "shared" / "data" / "modelnet10" / "modelnet10_32.npz"
MODELNET_CLASSES = (
    "bathtub", "bed", "chair", "desk", "dresser", "monitor", "night_stand", "sofa", "table",
    "toilet",
)  # fmt: skip


class ShapeClassifier(nn.Module):
    """A small 3-D conv classifier of 32³ grids: (B, 1, 32, 32, 32) → (B, classes) logits."""

    def __init__(self, classes: int) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv3d(1, 8, 4, 2, 1), nn.LeakyReLU(0.2),  # 16³
            nn.Conv3d(8, 16, 4, 2, 1), nn.LeakyReLU(0.2),  # 8³
            nn.Conv3d(16, 32, 4, 2, 1), nn.LeakyReLU(0.2),  # 4³
            nn.Flatten(), nn.Linear(32 * 64, classes),
        )  # fmt: skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def train_classifier(
    grids: np.ndarray, labels: np.ndarray, classes: int, steps: int, cache: Path
) -> ShapeClassifier:
    """Train (or load from ``cache``) a classifier; fixed seed, one thread, a minute or two."""
    torch.manual_seed(0)
    model = ShapeClassifier(classes)
    if cache.is_file():
        model.load_state_dict(load_file(cache))
        return model.eval()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.from_numpy(grids.astype(np.float32))[:, None]
    y = torch.from_numpy(labels.astype(np.int64))
    gen = torch.Generator().manual_seed(0)
    for step in range(1, steps + 1):
        idx = torch.randint(0, len(x), (32,), generator=gen)
        loss = nn.functional.cross_entropy(model(x[idx]), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 100 == 0:
            print(f"  classifier step {step}: loss {loss.item():.3f}", flush=True)
    cache.parent.mkdir(parents=True, exist_ok=True)
    save_file(model.state_dict(), cache)
    return model.eval()


@torch.no_grad()
def predict(model: nn.Module, grids: np.ndarray) -> np.ndarray:
    x = torch.from_numpy(grids.astype(np.float32))[:, None]
    return torch.cat([model(x[i : i + 64]).argmax(1) for i in range(0, len(x), 64)]).numpy()


def best_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """For each grid of ``a`` (N, ...) the best IoU with any grid of ``b`` (M, ...), both bool."""
    fa = torch.from_numpy(a.reshape(len(a), -1).astype(np.float32))
    fb = torch.from_numpy(b.reshape(len(b), -1).astype(np.float32))
    best = torch.zeros(len(a))
    for i in range(0, len(fb), 512):
        chunk = fb[i : i + 512]
        inter = fa @ chunk.T  # (N, m)
        union = fa.sum(1, keepdim=True) + chunk.sum(1)[None] - inter
        best = torch.maximum(best, (inter / union.clamp(min=1)).max(1).values)
    return best.numpy()


@torch.no_grad()
def samples(G: nn.Module, z_dim: int, n: int) -> np.ndarray:
    z = seeded_normal(n, z_dim, seed=0)
    return torch.cat([G(z[i : i + 32]) for i in range(0, n, 32)])[:, 0].numpy() >= 0.5


def coverage(pred: np.ndarray, classes: tuple[str, ...]) -> tuple[str, int, float]:
    counts = np.bincount(pred, minlength=len(classes))
    share = counts / max(1, counts.sum())
    hit = int((share >= 0.02).sum())
    p = share[share > 0]
    entropy = float(-(p * np.log(p)).sum() / np.log(len(classes)))
    histogram = ", ".join(f"{c} {s:.0%}" for c, s in zip(classes, share, strict=True) if s > 0)
    return histogram, hit, entropy


def row(name: str, gen: np.ndarray, train: np.ndarray, clf: nn.Module, classes) -> dict:
    empty = float((gen.reshape(len(gen), -1).sum(1) == 0).mean())
    nearest = best_iou(gen, train)
    histogram, hit, entropy = coverage(predict(clf, gen), classes)
    return {
        "data": name,
        "samples": len(gen),
        "empty": empty,
        "nearest_iou": float(nearest.mean()),
        "nearest_iou_p90": float(np.percentile(nearest, 90)),
        "classes_hit": f"{hit}/{len(classes)}",
        "entropy": entropy,
        "histogram": histogram,
    }


def modelnet_run(args: argparse.Namespace) -> tuple[dict, dict]:
    """A short run on ModelNet10 train (GLO warm start only), scored on ModelNet10 test."""
    spec = importlib.util.spec_from_file_location("demo", REPO / "scripts" / "train_gan3d_demo.py")
    demo = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(demo)
    data = np.load(MODELNET)
    train_x, train_y = data["X_train"] > 0, data["y_train"]
    test_x, test_y = data["X_test"] > 0, data["y_test"]
    clf = train_classifier(
        train_x,
        train_y,
        10,
        args.classifier_steps,
        REPO / "runs" / "voxel-classifier-modelnet10.safetensors",
    )
    test_acc = float((predict(clf, test_x) == test_y).mean())
    registry = plugins.get_registry()
    variant = registry.variant("gan3d")
    from ganstudio.core.specs import apply_overrides

    cfg = apply_overrides(variant.config(), {"resolution": 32, "z_dim": 128, "width": args.width})
    G = variant.build(cfg)["G"]
    grids = torch.from_numpy(train_x.astype(np.float32))[:, None]
    t0 = time.perf_counter()
    demo.warm_start(G, cfg.z_dim, len(grids), args.warm_steps, grids=grids)
    print(f"  ModelNet10 warm start: {time.perf_counter() - t0:.0f} s", flush=True)
    G.eval()
    gen = samples(G, cfg.z_dim, args.samples)
    result = row("ModelNet10 (GLO warm start only)", gen, train_x, clf, MODELNET_CLASSES)
    result["test_accuracy"] = test_acc
    result["test_recall_iou"] = float(best_iou(test_x, gen).mean())
    return result, {"classifier test accuracy": test_acc}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="gan3d-shapes-32", help="a gan3d model file or name")
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--train-shapes", type=int, default=1800, help="procedural shapes compared")
    parser.add_argument("--classifier-steps", type=int, default=400)
    parser.add_argument("--modelnet", action="store_true", help="also the ModelNet10 run")
    parser.add_argument("--warm-steps", type=int, default=300)
    parser.add_argument("--width", type=int, default=8)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    from ganstudio.core.model_files import resolve_model

    registry = plugins.get_registry()
    model = load_model(resolve_model(args.model), registry)
    shapes = ProceduralShapes(size=32, count=args.train_shapes, seed=0)
    train = np.stack([shapes[i].grid for i in range(len(shapes))]) >= 0.5
    labels = np.array([shapes[i].label for i in range(len(shapes))])
    clf = train_classifier(
        train,
        labels,
        len(CLASSES),
        args.classifier_steps,
        REPO / "runs" / "voxel-classifier-shapes.safetensors",
    )
    held = ProceduralShapes(size=32, count=600, seed=99)
    held_x = np.stack([held[i].grid for i in range(len(held))]) >= 0.5
    held_acc = float((predict(clf, held_x) == np.array([held[i].label for i in range(600)])).mean())
    gen = samples(model.generator.eval(), int(model.config.z_dim), args.samples)
    rows = [row(f"procedural shapes ({Path(str(model.path)).name})", gen, train, clf, CLASSES)]
    rows[0]["test_accuracy"] = held_acc
    reference = row(
        "procedural shapes (held-out real shapes)", held_x[: args.samples], train, clf, CLASSES
    )
    reference["test_accuracy"] = held_acc
    rows.insert(0, reference)
    if args.modelnet:
        rows.append(modelnet_run(args)[0])
    lines = [
        "| data | samples | empty | nearest-train IoU (mean / p90) | classes hit "
        "| class entropy | classifier acc. (held-out / test) |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        lines.append(
            f"| {r['data']} | {r['samples']} | {r['empty']:.0%} | {r['nearest_iou']:.2f} / "
            f"{r['nearest_iou_p90']:.2f} | {r['classes_hit']} | {r['entropy']:.2f} | "
            f"{r['test_accuracy']:.2f} |"
        )
    notes = [f"- {r['data']}: {r['histogram']}" for r in rows]
    if args.modelnet:
        notes.append(
            "- ModelNet10 test shapes' best IoU among the samples (mean): "
            f"{rows[-1]['test_recall_iou']:.2f}"
        )
    text = "\n".join(lines + [""] + notes) + "\n"
    print(text)
    out = REPO / "docs" / "voxels" / "eval.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
