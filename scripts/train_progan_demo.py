"""Train a small ProGAN on procedural faces (4, 32 px) and draw its figures.

A short real run (seeded, one thread, about 5 CPU minutes): each resolution
fades in over ``--phase-images`` images and then trains for as many again.
Writes docs/variants/progan_growth.png (one latent at every resolution the
model grew through, rows = seeds; the training previews at the end of each
phase below) and, with --export, the EMA generator as a model file.

    .venv/bin/python scripts/train_progan_demo.py
    # a better model (hours on a CPU, minutes on a GPU):
    .venv/bin/python scripts/train_progan_demo.py --phase-images 200000 --steps 60000 \
        --width 128 --batch-size 32 --export resources/models/progan-faces-32.safetensors
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


def label(image: Image.Image, text: str) -> Image.Image:
    """The image with a caption strip above it."""
    out = Image.new("RGB", (image.width, image.height + 14), (24, 24, 24))
    out.paste(image, (0, 14))
    ImageDraw.Draw(out).text((4, 1), text, fill=(230, 230, 230))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=700)
    parser.add_argument("--phase-images", type=int, default=1600, help="fade-in = stable phase")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--width", type=int, default=32)
    parser.add_argument("--faces", type=int, default=2000, help="training set size")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--out", type=Path, default=None, help="run folder (default: temp)")
    parser.add_argument("--export", type=Path, default=None, help="also write the model here")
    parser.add_argument("--figures-from", type=Path, default=None, help="a run folder: redraw")
    args = parser.parse_args()
    torch.set_num_threads(1)
    registry = plugins.get_registry()
    variant = registry.variant("progan")
    config = apply_overrides(
        variant.config(),
        {
            "resolution": 32,
            "z_dim": 64,
            "width": args.width,
            "min_width": 16,
            "fade_images": args.phase_images,
            "stable_images": args.phase_images,
        },
    )
    phase_steps = args.phase_images // args.batch_size
    opts = TrainOptions(
        steps=args.steps,
        batch_size=args.batch_size,
        num_workers=0,
        sample_every=2 * phase_steps,  # the end of each stable phase
        sample_count=8,
        checkpoint_every=0,
        seed=0,
        device=args.device,
    )
    if args.figures_from:  # only draw the figures again, from an earlier run
        out, seconds = args.figures_from, 0.0
    else:
        out = args.out or Path(tempfile.mkdtemp(prefix="progan-demo-"))
        data = RenderedOnce(ProceduralFacesDataset(size=32, count=args.faces, seed=0))
        trainer = Trainer(
            variant,
            config,
            data,
            out,
            opts,
            registry.objective(config.objective).factory(),
            plugin="progan",
            data_spec=f"procedural:faces?count={args.faces}&seed=0",
        )
        t0 = time.perf_counter()
        routine_status = ""
        for event in trainer.run():
            if event.kind == "step" and event.step % 50 == 0:
                images = event.step * args.batch_size
                level, alpha = config.phase(images)
                routine_status = f"{config.level_resolution(level)} px, α={alpha:.2f}"
                losses = " ".join(f"{k}={v:.3f}" for k, v in event.losses.items())
                print(f"step {event.step}/{event.total} [{routine_status}] {losses} "
                      f"({time.perf_counter() - t0:.0f} s)", flush=True)  # fmt: skip
        seconds = time.perf_counter() - t0
    ckpt = out / "checkpoints" / checkpoints.LATEST_NAME
    model = load_model(ckpt, registry)
    growth = registry.action_for("show-growth", model.capabilities, model.variant_id)
    rows = [run_action(growth, model, {"seed": s}) for s in range(6)]
    resolutions = rows[0].provenance["info"]["resolutions"]
    strip = make_grid([im for r in rows for im in r.images], columns=len(resolutions))
    strip = strip.resize((strip.width * 3, strip.height * 3), Image.Resampling.NEAREST)
    title = f"show-growth: {', '.join(f'{r} px' for r in resolutions)}, one latent per row"
    panels = [label(strip, title)]
    previews = sorted((out / "samples").glob("step_*.png"))
    if previews:
        tiles = [Image.open(p).convert("RGB") for p in previews]
        w = max(t.width for t in tiles)
        stack = Image.new("RGB", (w, sum(t.height for t in tiles)), (24, 24, 24))
        y = 0
        for tile in tiles:
            stack.paste(tile, (0, y))
            y += tile.height
        scale = strip.width / stack.width
        stack = stack.resize((strip.width, round(stack.height * scale)), Image.Resampling.NEAREST)
        panels.append(label(stack, "training previews at the end of each phase, top to bottom"))
    figure = Image.new("RGB", (strip.width, sum(p.height for p in panels)), (24, 24, 24))
    y = 0
    for panel in panels:
        figure.paste(panel, (0, y))
        y += panel.height
    FIGURES.mkdir(parents=True, exist_ok=True)
    figure.save(FIGURES / "progan_growth.png", optimize=True)
    print(
        f"wrote {FIGURES / 'progan_growth.png'}; {args.steps} steps in {seconds:.0f} s; run {out}"
    )
    if args.export:
        tensors, header = checkpoints.load_model_file(ckpt)
        kept = {k: v for k, v in tensors.items() if k.startswith("G_ema.")}
        checkpoints.save_model(args.export, kept, header)
        print(f"wrote {args.export}")


if __name__ == "__main__":
    main()
