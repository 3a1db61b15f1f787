"""Train the demo sketch → face pix2pix model on procedural sketch/face pairs.

Deterministic (seeded, one thread, no loader workers), about 4 CPU minutes:
a small U-Net (unet_128, ngf 12, instance norm) on 800 procedural faces at
128 px, whose sketches are randomly thickened (1 or 3 px) and both flipped, so
brush strokes of several widths read as lines.  Writes
resources/models/pix2pix-faces-128.safetensors holding only the EMA generator,
and the figure docs/sketch/sketch_to_photo.png (``--figure-only`` redraws it).

    OMP_NUM_THREADS=1 .venv/bin/python scripts/train_pix2pix_demo.py
    # a better one (about an hour): --steps 12000 --count 5000 --ngf 32

Quality is modest at this budget: faces with the right layout and colours
from clean sketches, blurry detail.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw
from scipy import ndimage

from ganstudio import plugins
from ganstudio.core import checkpoints
from ganstudio.core.data.procedural import ProceduralFaces
from ganstudio.core.specs import apply_overrides
from ganstudio.core.training import Trainer, TrainOptions

REPO = Path(__file__).resolve().parent.parent
TARGET = REPO / "resources" / "models" / "pix2pix-faces-128.safetensors"
FIGURE = REPO / "docs" / "sketch" / "sketch_to_photo.png"


class SketchFaces(torch.utils.data.Dataset):
    """Pre-rendered procedural pairs; each draw may thicken the lines and flip both."""

    def __init__(self, count: int, size: int, seed: int) -> None:
        faces = ProceduralFaces(size=size, count=count, seed=seed)
        pairs = [faces[i] for i in range(count)]
        self.sketches = np.stack([np.asarray(p.sketch, np.uint8) for p in pairs])  # (N, H, W)
        self.images = np.stack([np.asarray(p.image, np.uint8) for p in pairs])  # (N, H, W, 3)

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        sketch, image = self.sketches[i], self.images[i]
        thick, flip = torch.rand(2).tolist()  # the Trainer seeds torch: reproducible
        if thick < 0.5:
            sketch = ndimage.minimum_filter(sketch, size=3)  # dark lines grow by a pixel
        if flip < 0.5:
            sketch, image = sketch[:, ::-1], image[:, ::-1]
        s = torch.from_numpy(sketch.copy()).float()[None] / 127.5 - 1  # (1, H, W)
        x = torch.from_numpy(image.copy()).float().permute(2, 0, 1) / 127.5 - 1  # (3, H, W)
        return {"image": x, "sketch": s}


def hand_sketch(size: int = 256) -> Image.Image:
    """A face drawn the way a user would with the brush: an oval, eyes, nose, a smile, hair."""
    im = Image.new("L", (size, size), 255)
    d = ImageDraw.Draw(im)
    s = size / 256
    w = max(2, round(3 * s))
    d.ellipse([78 * s, 60 * s, 178 * s, 190 * s], outline=0, width=w)  # face
    d.arc([70 * s, 40 * s, 186 * s, 150 * s], 180, 360, fill=0, width=w)  # hair line
    for x in (105, 150):
        d.ellipse([(x - 8) * s, 110 * s, (x + 8) * s, 120 * s], outline=0, width=w)  # eyes
    d.line([128 * s, 120 * s, 122 * s, 145 * s, 132 * s, 147 * s], fill=0, width=w)  # nose
    d.arc([105 * s, 145 * s, 151 * s, 172 * s], 20, 160, fill=0, width=w)  # smile
    d.line([40 * s, 256 * s, 60 * s, 215 * s, 196 * s, 215 * s, 216 * s, 256 * s], 0, w)
    d.line([108 * s, 188 * s, 108 * s, 215 * s], fill=0, width=w)  # neck
    d.line([148 * s, 188 * s, 148 * s, 215 * s], fill=0, width=w)
    return im


def figure(model_path: Path, out: Path) -> None:
    """Held-out procedural sketches (seed 1, never trained on) and a brush-style drawing,
    at 256 px as the canvas gives them, through the sketch-to-photo action."""
    from ganstudio.core.models import load_model

    registry = plugins.get_registry()
    model = load_model(model_path, registry)
    action = registry.action_for("sketch-to-photo", model.capabilities, model.variant_id)
    params = {"extract_sketch": False, "detail": 1.5, "dropout": False, "seed": 0}
    params["full_size"] = False
    faces = ProceduralFaces(size=256, count=5, seed=1)
    sketches = [faces[i].sketch for i in range(5)] + [hand_sketch()]
    truth = [faces[i].image for i in range(5)] + [Image.new("RGB", (256, 256), "white")]
    photos = [action.run(model, params, {"image": s}).images[0] for s in sketches]
    size = 128
    canvas = Image.new("RGB", (size * len(sketches), size * 3), "white")
    for c, row in enumerate(zip(sketches, photos, truth, strict=True)):
        for r, im in enumerate(row):
            canvas.paste(im.convert("RGB").resize((size, size), Image.Resampling.LANCZOS),
                         (c * size, r * size))  # fmt: skip
    out.parent.mkdir(parents=True, exist_ok=True)
    canvas.save(out)
    print(f"wrote {out} (rows: sketch, demo model, procedural face it was drawn from)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=900)
    parser.add_argument("--count", type=int, default=800, help="procedural pairs")
    parser.add_argument("--ngf", type=int, default=12)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--lr", type=float, default=2e-4)
    parser.add_argument("--out", type=Path, default=None, help="run folder (default: a temp dir)")
    parser.add_argument("--target", type=Path, default=TARGET)
    parser.add_argument("--figure-only", action="store_true", help="only redraw the figure")
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.figure_only:
        figure(args.target, FIGURE)
        return
    t0 = time.perf_counter()
    registry = plugins.get_registry()
    variant = registry.variant("pix2pix")
    config = apply_overrides(
        variant.config(),
        dict(
            resolution=128,
            generator="unet_128",
            ngf=args.ngf,
            ndf=16,
            norm="instance",
            dropout=False,
            input_channels=1,
            lr=args.lr,
        ),
    )
    data = SketchFaces(args.count, 128, seed=0)
    print(f"rendered {len(data)} pairs in {time.perf_counter() - t0:.0f} s", flush=True)
    opts = TrainOptions(
        steps=args.steps,
        batch_size=args.batch_size,
        num_workers=0,
        sample_every=300,
        sample_count=8,
        checkpoint_every=0,
        ema_decay=0.99,
        seed=0,
        device="cpu",
    )
    out = args.out or Path(tempfile.mkdtemp(prefix="pix2pix-demo-"))
    data_spec = f"procedural:faces?count={args.count}&seed=0"
    trainer = Trainer(
        variant,
        config,
        data,
        out,
        opts,
        registry.objective("bce").factory(),
        plugin="pix2pix",
        data_spec=data_spec,
    )
    for event in trainer.run():
        if event.kind == "step" and event.step % 50 == 0:
            losses = " ".join(f"{k}={v:.3f}" for k, v in event.losses.items())
            print(
                f"step {event.step}/{event.total} {losses} ({time.perf_counter() - t0:.0f} s)",
                flush=True,
            )
    tensors, header = checkpoints.load_model_file(out / "checkpoints" / checkpoints.LATEST_NAME)
    kept = {k: v for k, v in tensors.items() if k.startswith("G_ema.")}
    trained_on = f"procedural sketch/face pairs (128 px, {args.count}, seed 0), {args.steps} steps"
    path = checkpoints.save_model(args.target, kept, {**header, "trained_on": trained_on})
    print(
        f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t0:.0f} s;"
        f" run folder {out}"
    )
    figure(path, FIGURE)


if __name__ == "__main__":
    main()
