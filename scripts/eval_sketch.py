"""Real face sketches (CUHK, ../shared/data/cuhk_sketch_pairs_64): evaluation only.

1. What the shipped demo model (trained on procedural sketches only) makes
   of real sketches.
2. An evaluation-only pix2pix trained on the first 120 pairs (sorted by name)
   and measured on the other 30: L1, PSNR and SSIM against the real photos,
   beside the demo and a baseline that always answers the mean training photo.

Nothing here is shipped (the data's terms: research use; see
../shared/data/README.md).  Writes docs/sketch/real_sketches.png and prints a
Markdown table.  About 2 CPU minutes with the defaults:

    OMP_NUM_THREADS=1 .venv/bin/python scripts/eval_sketch.py [--steps 400]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from ganstudio import plugins
from ganstudio.core.models import load_model
from ganstudio.core.specs import apply_overrides
from ganstudio.core.training import Trainer, TrainOptions

REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data" / "cuhk_sketch_pairs_64"
DEMO = REPO / "resources" / "models" / "pix2pix-faces-128.safetensors"
FIGURE = REPO / "docs" / "sketch" / "real_sketches.png"
TRAIN = 120


def pairs(root: Path) -> list[tuple[Image.Image, Image.Image]]:
    """(sketch L, photo RGB) for every name present on both sides, sorted by name."""
    out = []
    for photo in sorted((root / "photos").glob("*.png")):
        sketch = root / "sketches" / f"{photo.stem}.jpg"
        if sketch.is_file():
            out.append((Image.open(sketch).convert("L"), Image.open(photo).convert("RGB")))
    if len(out) <= TRAIN:
        raise SystemExit(f"{root}: {len(out)} pairs; need more than {TRAIN}")
    return out


def tensor(image: Image.Image) -> torch.Tensor:
    arr = np.asarray(image, np.float32)
    arr = arr[:, :, None] if arr.ndim == 2 else arr
    return torch.from_numpy(arr.copy()).permute(2, 0, 1) / 127.5 - 1


class Pairs(torch.utils.data.Dataset):
    def __init__(self, items: list[tuple[Image.Image, Image.Image]]) -> None:
        self.items = items

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        sketch, photo = self.items[i]
        if torch.rand(()) < 0.5:  # the Trainer seeds torch: reproducible flips
            sketch, photo = (
                im.transpose(Image.Transpose.FLIP_LEFT_RIGHT) for im in (sketch, photo)
            )
        return {"sketch": tensor(sketch), "image": tensor(photo)}


def scores(made: list[Image.Image], truth: list[Image.Image]) -> tuple[float, float, float]:
    l1, psnr, ssim = [], [], []
    for a, b in zip(made, truth, strict=True):
        x, y = np.asarray(a, np.float64), np.asarray(b, np.float64)
        l1.append(np.abs(x - y).mean() / 255)
        psnr.append(peak_signal_noise_ratio(y, x, data_range=255))
        ssim.append(structural_similarity(y, x, data_range=255, channel_axis=2))
    return float(np.mean(l1)), float(np.mean(psnr)), float(np.mean(ssim))


def translate(model_path: Path, sketches: list[Image.Image]) -> list[Image.Image]:
    """The sketch-to-photo action on each sketch (what the editor does)."""
    registry = plugins.get_registry()
    model = load_model(model_path, registry)
    action = registry.action_for("sketch-to-photo", model.capabilities, model.variant_id)
    params = {"extract_sketch": False, "detail": 1.5, "dropout": False, "seed": 0}
    params["full_size"] = False
    return [action.run(model, params, {"image": s}).images[0] for s in sketches]


def train(items, steps: int, out: Path) -> Path:
    registry = plugins.get_registry()
    variant = registry.variant("pix2pix")
    config = apply_overrides(
        variant.config(),
        dict(
            resolution=64,
            generator="resnet_6blocks",
            ngf=16,
            ndf=32,
            norm="instance",
            dropout=False,
        ),  # fmt: skip
    )
    opts = TrainOptions(
        steps=steps, batch_size=4, num_workers=0, sample_every=0, checkpoint_every=0,
        ema_decay=0.99, seed=0, device="cpu",
    )  # fmt: skip
    trainer = Trainer(
        variant, config, Pairs(items), out, opts, registry.objective("bce").factory(),
        plugin="pix2pix", data_spec="cuhk_sketch_pairs_64 (first 120, evaluation only)",
    )  # fmt: skip
    t0 = time.perf_counter()
    for event in trainer.run():
        if event.kind == "step" and event.step % 100 == 0:
            losses = " ".join(f"{k}={v:.3f}" for k, v in event.losses.items())
            print(f"  step {event.step}/{steps} {losses} ({time.perf_counter() - t0:.0f} s)")
    return out / "checkpoints" / "latest.safetensors"


def figure(rows: list[list[Image.Image]], out: Path, size: int = 64) -> None:
    canvas = Image.new("RGB", (len(rows[0]) * size, len(rows) * size), "white")
    for r, row in enumerate(rows):
        for c, im in enumerate(row):
            canvas.paste(im.convert("RGB").resize((size, size), Image.Resampling.BICUBIC),
                         (c * size, r * size))  # fmt: skip
    out.parent.mkdir(parents=True, exist_ok=True)
    canvas.resize((canvas.width * 2, canvas.height * 2), Image.Resampling.NEAREST).save(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--steps", type=int, default=400)
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    items = pairs(args.data)
    train_items, test_items = items[:TRAIN], items[TRAIN:]
    sketches = [s for s, _ in test_items]
    photos = [p for _, p in test_items]
    mean = np.mean([np.asarray(p, np.float64) for _, p in train_items], axis=0)
    baseline = [Image.fromarray(mean.round().astype(np.uint8))] * len(photos)
    demo = translate(DEMO, sketches)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="eval-sketch-") as run:
        model = train(train_items, args.steps, Path(run))
        seconds = time.perf_counter() - t0
        evaluated = translate(model, sketches)
    print(f"\n{len(test_items)} held-out real sketches (64 px); eval model trained on "
          f"{len(train_items)} pairs, {args.steps} steps, {seconds:.0f} s\n")  # fmt: skip
    print("| model | L1 ↓ | PSNR (dB) ↑ | SSIM ↑ |\n| --- | --- | --- | --- |")
    for name, made in (
        ("mean training photo (baseline)", baseline),
        ("shipped demo (procedural sketches only)", demo),
        (f"evaluation-only pix2pix ({args.steps} steps, not shipped)", evaluated),
    ):
        l1, psnr, ssim = scores(made, photos)
        print(f"| {name} | {l1:.3f} | {psnr:.2f} | {ssim:.3f} |")
    show = range(0, len(test_items), max(1, len(test_items) // 6))
    rows = [[sketches[i] for i in show], [demo[i] for i in show]]
    rows += [[evaluated[i] for i in show], [photos[i] for i in show]]
    figure(rows, FIGURE)
    print(f"\nwrote {FIGURE} (rows: real sketch, demo, evaluation model, real photo)")


if __name__ == "__main__":
    main()
