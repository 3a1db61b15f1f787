"""Train the bundled feature network for FID/KID/IS/PR on procedural faces.

    OMP_NUM_THREADS=1 python scripts/train_feature_net.py            # the shipped file
    python scripts/train_feature_net.py --train 60000 --epochs 30     # a better one

A small CNN (ganstudio.core.metrics.feature_net.FaceFeatureNet) learns, from
the faces' own labels: the joint class hair colour × glasses × beard (20
classes, the Inception Score's classes), the background colour, and six
continuous attributes (smile, hair length, skin tone, age, head turn, eye
opening).  Its penultimate layer is the feature space of the metrics.
Fixed seeds; the default budget is about 3 minutes on one CPU thread.
Writes resources/models/metrics/feature-net-faces-32.safetensors and prints
held-out accuracies.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from ganstudio.core import checkpoints
from ganstudio.core.data.procedural import ATTRIBUTES, ProceduralFaces
from ganstudio.core.data.tensors import pil_to_tensor
from ganstudio.core.metrics.feature_net import (
    BUNDLED,
    CLASS_ATTRIBUTES,
    INPUT_SIZE,
    REGRESSED,
    FaceFeatureNet,
)


def face_class(attrs: dict) -> int:
    """hair colour (5) × glasses (2) × beard (2) → 0 … 19."""
    return (int(attrs["hair_colour"]) * 2 + int(attrs["glasses"])) * 2 + int(attrs["beard"])


def make_set(count: int, seed: int) -> dict[str, torch.Tensor]:
    faces = ProceduralFaces(INPUT_SIZE, count, seed)
    images, classes, backgrounds, values = [], [], [], []
    for i in range(count):
        face = faces[i]
        a = face.attributes
        images.append(pil_to_tensor(face.image))
        classes.append(face_class(a))
        backgrounds.append(int(a["background"]))
        values.append([float(a[n]) for n in REGRESSED])
    return {
        "image": torch.stack(images),  # (N, 3, 32, 32)
        "cls": torch.tensor(classes),
        "bg": torch.tensor(backgrounds),
        "values": torch.tensor(values, dtype=torch.float32),
    }


def losses(net: FaceFeatureNet, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    cls, bg, values = net(batch["image"])
    return (
        F.cross_entropy(cls, batch["cls"])
        + F.cross_entropy(bg, batch["bg"])
        + 4 * F.mse_loss(values, batch["values"])
    )


@torch.no_grad()
def evaluate(net: FaceFeatureNet, data: dict[str, torch.Tensor]) -> dict[str, float]:
    net.eval()
    cls, bg, values = net(data["image"])
    err = (values - data["values"]).abs().mean(0)
    out = {
        "class_acc": float((cls.argmax(1) == data["cls"]).float().mean()),
        "background_acc": float((bg.argmax(1) == data["bg"]).float().mean()),
    }
    out.update({f"mae_{n}": float(e) for n, e in zip(REGRESSED, err, strict=True)})
    net.train()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train", type=int, default=8000, help="training faces")
    parser.add_argument("--val", type=int, default=1000, help="held-out faces")
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=BUNDLED)
    args = parser.parse_args()
    assert set(CLASS_ATTRIBUTES) <= set(ATTRIBUTES)

    torch.manual_seed(args.seed)
    t0 = time.perf_counter()
    train = make_set(args.train, seed=args.seed + 1)
    val = make_set(args.val, seed=args.seed + 2)
    print(f"rendered {args.train}+{args.val} faces in {time.perf_counter() - t0:.0f} s", flush=True)

    net = FaceFeatureNet()
    steps = args.epochs * (args.train // args.batch)
    opt = torch.optim.AdamW(net.parameters(), lr=3e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps)
    g = torch.Generator().manual_seed(args.seed)
    t1 = time.perf_counter()
    for epoch in range(args.epochs):
        perm = torch.randperm(args.train, generator=g)
        for i in range(args.train // args.batch):
            idx = perm[i * args.batch : (i + 1) * args.batch]
            batch = {k: v[idx] for k, v in train.items()}
            flip = torch.rand(len(idx), generator=g) < 0.5  # mirror: head turn changes sign
            batch["image"] = torch.where(
                flip[:, None, None, None], batch["image"].flip(-1), batch["image"]
            )
            turn = REGRESSED.index("head_turn")
            batch["values"] = batch["values"].clone()
            batch["values"][flip, turn] *= -1
            loss = losses(net, batch)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
        scores = evaluate(net, val)
        print(
            f"epoch {epoch + 1}/{args.epochs} loss {loss.item():.3f} "
            + " ".join(f"{k}={v:.3f}" for k, v in scores.items())
            + f" ({time.perf_counter() - t1:.0f} s)",
            flush=True,
        )
    net.eval()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    meta = {
        "kind": "metrics-feature-extractor",
        "version": 1,
        "trained_on": f"procedural:faces?count={args.train}&seed={args.seed + 1}, {INPUT_SIZE} px",
        "epochs": args.epochs,
        "held_out": {k: round(v, 4) for k, v in evaluate(net, val).items()},
    }
    # half precision on disk (a few hundred KB); the extractor computes in float32
    tensors = {k: v.half() if v.is_floating_point() else v for k, v in net.state_dict().items()}
    checkpoints.save_model(args.out, tensors, meta)
    size = args.out.stat().st_size
    print(f"wrote {args.out} ({size / 1024:.0f} KB) in {time.perf_counter() - t0:.0f} s total")


if __name__ == "__main__":
    main()
