"""Train the demo sketch → face pix2pix model on procedural sketch/face pairs.

Deterministic (seeded, one thread, no loader workers), about 5 CPU minutes:
a small U-Net (unet_128, ngf 12, instance norm) on 800 procedural faces at
128 px, whose sketches are randomly thickened (1 or 3 px) and both flipped, so
brush strokes of several widths read as lines.  Writes
resources/models/pix2pix-faces-128.safetensors holding only the EMA generator.

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
from scipy import ndimage

from ganstudio import plugins
from ganstudio.core import checkpoints
from ganstudio.core.data.procedural import ProceduralFaces
from ganstudio.core.specs import apply_overrides
from ganstudio.core.training import Trainer, TrainOptions

REPO = Path(__file__).resolve().parent.parent
TARGET = REPO / "resources" / "models" / "pix2pix-faces-128.safetensors"


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=900)
    parser.add_argument("--count", type=int, default=800, help="procedural pairs")
    parser.add_argument("--ngf", type=int, default=12)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--out", type=Path, default=None, help="run folder (default: a temp dir)")
    parser.add_argument("--target", type=Path, default=TARGET)
    args = parser.parse_args()
    torch.set_num_threads(1)
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


if __name__ == "__main__":
    main()
