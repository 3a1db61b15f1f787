"""Train the demo CycleGAN: procedural faces (A) ↔ a painterly filter of them (B).

The two domains are unpaired: domain B images are painted (mode filter +
posterise + a warm cast) from *other* faces than the A images of the same
step.  Deterministic (seeded, one thread, no loader workers), about 5 CPU
minutes at 64 px with ResNet-6 generators of width 8; writes
resources/models/cyclegan-faces-paint-64.safetensors (EMA generators only)
and docs/sketch/cyclegan.png (A → B → A and B → A rows).

    OMP_NUM_THREADS=1 .venv/bin/python scripts/train_cyclegan_demo.py
    # a better one (hours): --steps 20000 --ngf 32 --resolution 128
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageFilter, ImageOps

from ganstudio import plugins
from ganstudio.core import checkpoints
from ganstudio.core.data.procedural import ProceduralFaces
from ganstudio.core.models import load_model
from ganstudio.core.specs import apply_overrides
from ganstudio.core.training import Trainer, TrainOptions

REPO = Path(__file__).resolve().parent.parent
TARGET = REPO / "resources" / "models" / "cyclegan-faces-paint-64.safetensors"
FIGURE = REPO / "docs" / "sketch" / "cyclegan.png"


def paint(image: Image.Image) -> Image.Image:
    """The B domain: flat patches of few colours, warm, like a quick gouache."""
    flat = image.filter(ImageFilter.ModeFilter(5)).filter(ImageFilter.SMOOTH_MORE)
    poster = ImageOps.posterize(flat, 3)
    warm = np.asarray(poster, np.float32) * np.array([1.08, 1.0, 0.85])
    return Image.fromarray(np.clip(warm, 0, 255).astype(np.uint8))


def tensor(image: Image.Image) -> torch.Tensor:
    return torch.from_numpy(np.asarray(image, np.float32).copy()).permute(2, 0, 1) / 127.5 - 1


class FacesAndPaintings(torch.utils.data.Dataset):
    """Item i: face i (A) and the painting of face (i + half) (B): never the same face."""

    def __init__(self, count: int, size: int) -> None:
        faces = ProceduralFaces(size=size, count=count, seed=0)
        images = [faces[i].image for i in range(count)]
        self.a = torch.stack([tensor(im) for im in images])
        self.b = torch.stack([tensor(paint(im)) for im in images])

    def __len__(self) -> int:
        return len(self.a)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        return {"source": self.a[i], "image": self.b[(i + len(self.b) // 2) % len(self.b)]}


def figure(model_path: Path, data: FacesAndPaintings, out: Path) -> None:
    registry = plugins.get_registry()
    model = load_model(model_path, registry)
    G = model.generator
    a, b = data.a[-6:], data.b[-6:]  # held out of nothing, but shown as a sample
    with torch.no_grad():
        fake_b = G.a2b(a)
        rows = [a, fake_b, G.b2a(fake_b), b, G.b2a(b)]
    grid = torch.cat(rows, 0)
    n, size = a.shape[0], a.shape[-1]
    canvas = Image.new("RGB", (n * size, len(rows) * size), "white")
    for k, t in enumerate(grid):
        arr = ((t.clamp(-1, 1) + 1) * 127.5).byte().permute(1, 2, 0).numpy()
        canvas.paste(Image.fromarray(arr), ((k % n) * size, (k // n) * size))
    out.parent.mkdir(parents=True, exist_ok=True)
    canvas.save(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--ngf", type=int, default=8)
    parser.add_argument("--resolution", type=int, default=64)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    torch.set_num_threads(1)
    t0 = time.perf_counter()
    registry = plugins.get_registry()
    variant = registry.variant("cyclegan")
    config = apply_overrides(
        variant.config(),
        dict(resolution=args.resolution, generator="resnet_6blocks", ngf=args.ngf, ndf=16),
    )
    data = FacesAndPaintings(args.count, args.resolution)
    opts = TrainOptions(
        steps=args.steps,
        batch_size=2,
        num_workers=0,
        sample_every=250,
        sample_count=6,
        checkpoint_every=0,
        ema_decay=0.99,
        seed=0,
        device="cpu",
    )
    out = args.out or Path(tempfile.mkdtemp(prefix="cyclegan-demo-"))
    trainer = Trainer(
        variant,
        config,
        data,
        out,
        opts,
        registry.objective("lsgan").factory(),
        plugin="pix2pix",
        data_spec=f"procedural:faces?count={args.count}&seed=0 (A) / painted (B)",
    )
    for event in trainer.run():
        if event.kind == "step" and event.step % 50 == 0:
            losses = " ".join(f"{k}={v:.3f}" for k, v in event.losses.items())
            print(f"step {event.step}/{event.total} {losses} ({time.perf_counter() - t0:.0f} s)")
    tensors, header = checkpoints.load_model_file(out / "checkpoints" / checkpoints.LATEST_NAME)
    kept = {k: v for k, v in tensors.items() if k.startswith("G_ema.")}
    trained_on = (
        f"procedural faces ↔ painted faces, unpaired ({args.resolution} px, {args.count}), "
        f"{args.steps} steps"
    )
    path = checkpoints.save_model(TARGET, kept, {**header, "trained_on": trained_on})
    figure(path, data, FIGURE)
    print(
        f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB) and {FIGURE} in "
        f"{time.perf_counter() - t0:.0f} s; run folder {out}"
    )


if __name__ == "__main__":
    main()
