"""Train a small LAPGAN on procedural faces (8, 16, 32 px) and draw its figures.

A short real run (seeded, one thread, about 5 CPU minutes).  Writes
docs/variants/lapgan_refine.png: ``refine`` on faces the model never saw
(columns: the 8 px input, + the 16 px level's detail, + the 32 px level's
detail, the real 32 px face) and samples drawn coarse to fine from noise;
with --export, the EMA generator as a model file.

    .venv/bin/python scripts/train_lapgan_demo.py
    # a better model (hours on a CPU, minutes on a GPU):
    .venv/bin/python scripts/train_lapgan_demo.py --steps 30000 --width 64 --batch-size 64 \
        --export resources/models/lapgan-faces-32.safetensors
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
from ganstudio.core.data.procedural import ProceduralFaces
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


def label(image: Image.Image, text: str) -> Image.Image:
    out = Image.new("RGB", (image.width, image.height + 14), (24, 24, 24))
    out.paste(image, (0, 14))
    ImageDraw.Draw(out).text((4, 1), text, fill=(230, 230, 230))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--width", type=int, default=16)
    parser.add_argument("--faces", type=int, default=2000, help="training set size")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--out", type=Path, default=None, help="run folder (default: temp)")
    parser.add_argument("--export", type=Path, default=None, help="also write the model here")
    parser.add_argument("--figures-from", type=Path, default=None, help="a run folder: redraw")
    args = parser.parse_args()
    torch.set_num_threads(1)
    registry = plugins.get_registry()
    variant = registry.variant("lapgan")
    config = apply_overrides(
        variant.config(), {"resolution": 32, "base_resolution": 8, "z_dim": 64, "width": args.width}
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
        out = args.out or Path(tempfile.mkdtemp(prefix="lapgan-demo-"))
        data = RenderedOnce(ProceduralFacesDataset(size=32, count=args.faces, seed=0))
        trainer = Trainer(
            variant,
            config,
            data,
            out,
            opts,
            registry.objective(config.objective).factory(),
            plugin="lapgan",
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
    refine = registry.action_for("refine", model.capabilities, model.variant_id)
    unseen = ProceduralFaces(size=32, count=6, seed=12345)  # not in the training set
    tiles = []
    for i in range(len(unseen)):
        face = unseen[i].image.convert("RGB")
        levels = run_action(refine, model, {"from": "8", "seed": i}, {"image": face})
        tiles += [*levels.images, face]
    grid = make_grid(tiles, columns=4)
    grid = grid.resize((grid.width * 3, grid.height * 3), Image.Resampling.NEAREST)
    top = label(grid, "refine: 8 px input | + 16 px detail | + 32 px detail | real 32 px")
    generate = registry.action_for("generate", model.capabilities, model.variant_id)
    samples = run_action(generate, model, {"seed": 0, "count": 8}).images
    row = make_grid(samples, columns=8)
    row = row.resize(
        (grid.width, round(row.height * grid.width / row.width)), Image.Resampling.NEAREST
    )
    bottom = label(row, "generate: coarse to fine from noise")
    figure = Image.new("RGB", (grid.width, top.height + bottom.height), (24, 24, 24))
    figure.paste(top, (0, 0))
    figure.paste(bottom, (0, top.height))
    FIGURES.mkdir(parents=True, exist_ok=True)
    figure.save(FIGURES / "lapgan_refine.png", optimize=True)
    print(
        f"wrote {FIGURES / 'lapgan_refine.png'}; {args.steps} steps in {seconds:.0f} s; run {out}"
    )
    if args.export:
        tensors, header = checkpoints.load_model_file(ckpt)
        kept = {k: v for k, v in tensors.items() if k.startswith("G_ema.")}
        checkpoints.save_model(args.export, kept, header)
        print(f"wrote {args.export}")


if __name__ == "__main__":
    main()
