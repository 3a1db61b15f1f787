"""Train the small temporal GAN (MoCoGAN) demo on moving procedural faces.

Deterministic (seeded, one thread, no loader workers).  The default budget is
about 5 CPU minutes on one thread (800 steps), so the faces are rough blobs that turn and
smile; ``--steps 20000 --width 32`` (hours on a CPU, minutes on a GPU with
``--device cuda``) trains a much better one.  Writes

- resources/models/temporal-faces-32.safetensors (the EMA generator only),
- docs/variants/temporal_strip.png: real clips (top rows), then generated ones,
  one clip per row; the last rows keep one content seed with other motion seeds,
- docs/variants/temporal_clip.gif: a few generated clips side by side, playing.

    .venv/bin/python scripts/train_temporal_demo.py [--steps N] [--width W] [--no-model]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw

from ganstudio import plugins
from ganstudio.core import checkpoints
from ganstudio.core.data.clips import ProceduralFaceClips
from ganstudio.core.data.tensors import FaceClipsDataset
from ganstudio.core.imaging import make_grid, save_animation, save_image
from ganstudio.core.specs import apply_overrides
from ganstudio.core.training import Trainer, TrainOptions
from ganstudio.testing import run_action_with

REPO = Path(__file__).resolve().parent.parent
CLIPS, FRAMES, SIZE = 512, 8, 32
DATA = f"procedural:face-clips?count={CLIPS}&seed=0&frames={FRAMES}"


def export_generator(ckpt: Path, target: Path, **meta: object) -> Path:
    """Keep only the EMA generator, with the run's metadata."""
    tensors, header = checkpoints.load_model_file(ckpt)
    kept = {k: v for k, v in tensors.items() if k.startswith("G_ema.")}
    return checkpoints.save_model(target, kept, {**header, **meta})


def labelled(rows: list[list[Image.Image]], labels: list[str], scale: int = 2) -> Image.Image:
    """Rows of frames, enlarged (nearest) for the README, each row with a caption."""
    grid = make_grid([im for row in rows for im in row], columns=len(rows[0]))
    grid = grid.resize((grid.width * scale, grid.height * scale), Image.Resampling.NEAREST)
    pad = 150
    out = Image.new("RGB", (grid.width + pad, grid.height), (24, 24, 24))
    out.paste(grid, (pad, 0))
    draw = ImageDraw.Draw(out)
    step = grid.height / len(rows)
    for i, text in enumerate(labels):
        draw.text((6, int(i * step + step / 2 - 6)), text, fill=(220, 220, 220))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=800)
    parser.add_argument("--width", type=int, default=16)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--out", type=Path, default=None, help="run folder (default: a temp dir)")
    parser.add_argument("--no-model", action="store_true", help="figures only, no bundled model")
    args = parser.parse_args()
    torch.set_num_threads(1)
    registry = plugins.get_registry()
    variant = registry.variant("temporal")
    overrides = dict(resolution=SIZE, frames=FRAMES, width=args.width, content_dim=32, lr=3e-4)
    config = apply_overrides(variant.config(), overrides)
    data = FaceClipsDataset(SIZE, CLIPS, seed=0, frames=FRAMES)
    opts = TrainOptions(
        steps=args.steps,
        batch_size=args.batch_size,
        num_workers=0,
        sample_every=max(100, args.steps // 4),
        sample_count=4 * FRAMES,
        checkpoint_every=0,
        ema_decay=0.99,
        seed=0,
        device=args.device,
    )
    out = args.out or Path(tempfile.mkdtemp(prefix="temporal-demo-"))
    trainer = Trainer(
        variant, config, data, out, opts, registry.objective("bce").factory(), data_spec=DATA
    )
    t0, cpu0 = time.perf_counter(), time.process_time()
    for event in trainer.run():
        if event.kind == "step" and (event.step % 50 == 0 or event.step == 1):
            losses = " ".join(f"{k}={v:.3f}" for k, v in event.losses.items())
            elapsed = time.perf_counter() - t0
            print(f"step {event.step}/{event.total} {losses} ({elapsed:.0f} s)", flush=True)
    train_s, train_cpu = time.perf_counter() - t0, time.process_time() - cpu0
    ckpt = out / "checkpoints" / checkpoints.LATEST_NAME
    model: Path = ckpt
    if not args.no_model:
        model = export_generator(
            ckpt,
            REPO / "resources" / "models" / "temporal-faces-32.safetensors",
            trained_on=f"procedural face clips ({SIZE} px, {FRAMES} frames, {CLIPS}, seed 0)",
        )
        print(f"wrote {model} ({model.stat().st_size / 1e6:.2f} MB)")

    def clip(seed: int, motion: int) -> list[Image.Image]:
        params = {"seed": seed, "motion_seed": motion, "fps": 8}
        return run_action_with(registry, "animate", model, params).images

    real = ProceduralFaceClips(SIZE, CLIPS, seed=0, frames=FRAMES)
    rows = [real[i].frames for i in range(3)]
    labels = [f"data: {real[i].motion}" for i in range(3)]
    for seed in (1, 2, 3, 4):
        rows.append(clip(seed, seed))
        labels.append(f"content {seed}, motion {seed}")
    for motion in (10, 11):
        rows.append(clip(1, motion))
        labels.append(f"content 1, motion {motion}")
    docs = REPO / "docs" / "variants"
    docs.mkdir(parents=True, exist_ok=True)
    prov = {"app": "GAN Studio", "kind": "figure", "script": "scripts/train_temporal_demo.py"}
    strip = save_image(docs / "temporal_strip.png", labelled(rows, labels), prov)
    clips = [clip(s, s) for s in (1, 2, 3, 4)]
    frames = [
        make_grid([c[k] for c in clips], columns=len(clips)).resize(
            (2 * (4 * SIZE + 10), 2 * (SIZE + 4)), Image.Resampling.NEAREST
        )
        for k in range(FRAMES)
    ]
    gif = save_animation(docs / "temporal_clip.gif", frames, prov, fps=6)
    arr = [np.stack([np.asarray(f, dtype=np.float32) for f in c]) for c in clips]
    within = float(np.mean([np.abs(np.diff(a, axis=0)).mean() for a in arr]))
    across = float(np.mean([np.abs(a[0] - b[0]).mean() for a in arr for b in arr if a is not b]))
    print(
        f"trained {args.steps} steps in {train_s:.0f} s ({train_cpu:.0f} s of CPU); "
        f"wrote {strip} and {gif} "
        f"({gif.stat().st_size / 1e3:.0f} kB); mean |frame - next frame| {within:.1f}, "
        f"mean |clip a - clip b| (first frames) {across:.1f} (8-bit levels); run folder {out}"
    )


if __name__ == "__main__":
    main()
