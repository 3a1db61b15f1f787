"""Train a small demo model on procedural faces: the conditional GAN or the InfoGAN.

Deterministic (seeded, one thread, no loader workers); about 10 CPU minutes
each.  Writes resources/models/NAME-faces-32.safetensors holding only the EMA
generator (what actions use), with the run's metadata.

    .venv/bin/python scripts/train_demo_gan.py cgan     # age in 4 bins, young → old
    .venv/bin/python scripts/train_demo_gan.py infogan  # one 5-way and 3 continuous codes
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import torch

from ganstudio import plugins
from ganstudio.core import checkpoints
from ganstudio.core.data.tensors import ProceduralFacesDataset
from ganstudio.core.specs import apply_overrides
from ganstudio.core.training import Trainer, TrainOptions

REPO = Path(__file__).resolve().parent.parent
DATA = "procedural:faces?count=20000&seed=0"

#: variant → (config, default steps)
DEMOS: dict[str, tuple[dict[str, object], int]] = {
    "cgan": (dict(resolution=32, z_dim=64, condition="age", bins=4, width=32, embed_dim=16), 3000),
    "infogan": (dict(resolution=32, z_dim=32, categorical=(5,), continuous=3, width=32), 2000),
}


def export_generator(ckpt: Path, target: Path, **meta: object) -> Path:
    """Keep only the EMA generator, with the run's metadata."""
    tensors, header = checkpoints.load_model_file(ckpt)
    kept = {k: v for k, v in tensors.items() if k.startswith("G_ema.")}
    return checkpoints.save_model(target, kept, {**header, **meta})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("variant", choices=sorted(DEMOS))
    parser.add_argument("--steps", type=int, help="default: the demo's own step count")
    parser.add_argument("--out", type=Path, default=None, help="run folder (default: a temp dir)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    overrides, steps = DEMOS[args.variant]
    registry = plugins.get_registry()
    variant = registry.variant(args.variant)
    config = apply_overrides(variant.config(), overrides)
    data = ProceduralFacesDataset(size=32, count=20000, seed=0)
    opts = TrainOptions(
        steps=args.steps or steps,
        batch_size=32,
        num_workers=0,
        sample_every=500,
        sample_count=32,
        checkpoint_every=1000,
        ema_decay=0.999,
        seed=0,
        device="cpu",
    )
    out = args.out or Path(tempfile.mkdtemp(prefix=f"{args.variant}-demo-"))
    trainer = Trainer(
        variant,
        config,
        data,
        out,
        opts,
        registry.objective("bce").factory(),
        plugin=args.variant,
        data_spec=DATA,
    )
    t0 = time.perf_counter()
    for event in trainer.run():
        if event.kind == "step" and event.step % 100 == 0:
            losses = " ".join(f"{k}={v:.3f}" for k, v in event.losses.items())
            print(
                f"step {event.step}/{event.total} {losses} ({time.perf_counter() - t0:.0f} s)",
                flush=True,
            )
    target = REPO / "resources" / "models" / f"{args.variant}-faces-32.safetensors"
    path = export_generator(
        out / "checkpoints" / checkpoints.LATEST_NAME,
        target,
        trained_on="procedural faces (32 px, 20000, seed 0)",
    )
    print(
        f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t0:.0f} s;"
        f" run folder {out}"
    )


if __name__ == "__main__":
    main()
