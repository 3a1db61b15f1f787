"""Train a small BigGAN on procedural faces, one class per hair colour, and draw its figures.

A short real run (seeded, one thread, about 5 CPU minutes).  Writes
docs/variants/biggan_classes.png (rows: the five hair colours, picked with
the class picker; columns: seeds) and docs/variants/biggan_truncation.png
(one seed per class as the truncation threshold falls from 2 to 0.25);
with --export, the EMA generator as a model file.  Measure the trade-off
afterwards with scripts/eval_truncation.py on the checkpoint it prints.

    .venv/bin/python scripts/train_biggan_demo.py
    .venv/bin/python scripts/eval_truncation.py RUN/checkpoints/latest.safetensors
    # a better model (hours on a CPU, minutes on a GPU):
    .venv/bin/python scripts/train_biggan_demo.py --steps 20000 --width 32 --batch-size 64 \
        --export resources/models/biggan-faces-32.safetensors
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import torch
from PIL import Image, ImageDraw

from ganstudio import plugins
from ganstudio.core import checkpoints
from ganstudio.core.actions import run_action
from ganstudio.core.data.tensors import ProceduralFacesDataset
from ganstudio.core.imaging import make_grid
from ganstudio.core.models import load_model
from ganstudio.core.specs import apply_overrides
from ganstudio.core.training import Trainer, TrainOptions

REPO = Path(__file__).resolve().parent.parent
FIGURES = REPO / "docs" / "variants"


class RenderedOnce(torch.utils.data.Dataset):
    """The procedural faces drawn once and kept: drawing costs more than a small model's step."""

    def __init__(self, data: ProceduralFacesDataset) -> None:
        items = [data[i] for i in range(len(data))]
        self.images = torch.stack([it["image"] for it in items])  # (N, 3, 32, 32)
        self.labels = torch.stack([it["labels"] for it in items])  # (N, L)
        self.label_names = data.label_names

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        return {"image": self.images[index], "labels": self.labels[index]}


TRUNCATIONS = (2.0, 1.0, 0.5, 0.25)


def label(image: Image.Image, text: str) -> Image.Image:
    out = Image.new("RGB", (image.width, image.height + 14), (24, 24, 24))
    out.paste(image, (0, 14))
    ImageDraw.Draw(out).text((4, 1), text, fill=(230, 230, 230))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--width", type=int, default=8)
    parser.add_argument("--faces", type=int, default=2000, help="training set size")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--out", type=Path, default=None, help="run folder (default: temp)")
    parser.add_argument("--export", type=Path, default=None, help="also write the model here")
    parser.add_argument("--figures-from", type=Path, default=None, help="a run folder: redraw")
    args = parser.parse_args()
    torch.set_num_threads(1)
    registry = plugins.get_registry()
    variant = registry.variant("biggan")
    config = apply_overrides(
        variant.config(), {"resolution": 32, "width": args.width, "embed_dim": 16}
    )
    opts = TrainOptions(
        steps=args.steps,
        batch_size=args.batch_size,
        num_workers=0,
        sample_every=0,
        checkpoint_every=0,
        seed=0,
        device=args.device,
    )
    if args.figures_from:  # only draw the figures again, from an earlier run
        out, seconds = args.figures_from, 0.0
    else:
        out = args.out or Path(tempfile.mkdtemp(prefix="biggan-demo-"))
        data = RenderedOnce(ProceduralFacesDataset(size=32, count=args.faces, seed=0))
        trainer = Trainer(
            variant,
            config,
            data,
            out,
            opts,
            registry.objective(config.objective).factory(),
            plugin="biggan",
            data_spec=f"procedural:faces?count={args.faces}&seed=0",
        )
        t0 = time.perf_counter()
        for event in trainer.run():
            if event.kind == "step" and event.step % 50 == 0:
                losses = " ".join(f"{k}={v:.3f}" for k, v in event.losses.items())
                print(
                    f"step {event.step}/{event.total} {losses} ({time.perf_counter() - t0:.0f} s)"
                )
        seconds = time.perf_counter() - t0
    ckpt = out / "checkpoints" / checkpoints.LATEST_NAME
    model = load_model(ckpt, registry)
    generate = registry.action_for("generate", model.capabilities, model.variant_id)
    names = model.config.class_names
    by_class = [
        run_action(generate, model, {"class": c, "seed": 0, "count": 8, "truncation": 1.0}).images
        for c in names
    ]
    grid = make_grid([im for row in by_class for im in row], columns=8)
    grid = grid.resize((grid.width * 3, grid.height * 3), Image.Resampling.NEAREST)
    caption = "rows: " + ", ".join(n.split("=", 1)[1] for n in names) + " (truncation 1.0)"
    FIGURES.mkdir(parents=True, exist_ok=True)
    label(grid, caption).save(FIGURES / "biggan_classes.png", optimize=True)
    tiles = []
    for c in names:  # rows: classes; each block of four: one seed, truncation 2 down to 0.25
        for seed in (1, 2):
            for t in TRUNCATIONS:
                params = {"class": c, "seed": seed, "count": 1, "truncation": t}
                tiles += run_action(generate, model, params).images
    grid = make_grid(tiles, columns=2 * len(TRUNCATIONS))
    grid = grid.resize((grid.width * 3, grid.height * 3), Image.Resampling.NEAREST)
    caption = f"two seeds per class, truncation {', '.join(str(t) for t in TRUNCATIONS)}"
    label(grid, caption).save(FIGURES / "biggan_truncation.png", optimize=True)
    print(f"wrote {FIGURES}/biggan_*.png; {args.steps} steps in {seconds:.0f} s; checkpoint {ckpt}")
    if args.export:
        tensors, header = checkpoints.load_model_file(ckpt)
        kept = {k: v for k, v in tensors.items() if k.startswith("G_ema.")}
        checkpoints.save_model(args.export, kept, header)
        print(f"wrote {args.export}")


if __name__ == "__main__":
    main()
