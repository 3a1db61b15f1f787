"""Train the demo conditional GAN: procedural faces conditioned on age (4 bins, young → old).

Deterministic (seeded, one thread, no loader workers); about 10 CPU minutes.
Writes resources/models/cgan-faces-32.safetensors holding only the EMA generator.

    .venv/bin/python scripts/train_cgan_demo.py [--steps N] [--out DIR]
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
TARGET = REPO / "resources" / "models" / "cgan-faces-32.safetensors"
CONFIG = dict(resolution=32, z_dim=64, condition="age", bins=4, width=32, embed_dim=16)


def export_generator(ckpt: Path, target: Path, **meta: object) -> Path:
    """Keep only the EMA generator (what actions use), with the run's metadata."""
    tensors, header = checkpoints.load_model_file(ckpt)
    kept = {k: v for k, v in tensors.items() if k.startswith("G_ema.")}
    return checkpoints.save_model(target, kept, {**header, **meta})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--out", type=Path, default=None, help="run folder (default: a temp dir)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    registry = plugins.get_registry()
    variant = registry.variant("cgan")
    config = apply_overrides(variant.config(), CONFIG)
    data = ProceduralFacesDataset(size=32, count=20000, seed=0)
    opts = TrainOptions(steps=args.steps, batch_size=32, num_workers=0, sample_every=500,
                        sample_count=32, checkpoint_every=1000, ema_decay=0.999, seed=0)
    out = args.out or Path(tempfile.mkdtemp(prefix="cgan-demo-"))
    trainer = Trainer(variant, config, data, out, opts, registry.objective("bce").factory(),
                      plugin="cgan", data_spec="procedural:32")
    t0 = time.perf_counter()
    for event in trainer.run():
        if event.kind == "step" and event.step % 100 == 0:
            losses = " ".join(f"{k}={v:.3f}" for k, v in event.losses.items())
            print(f"step {event.step}/{event.total} {losses} ({time.perf_counter() - t0:.0f} s)",
                  flush=True)
    path = export_generator(out / "checkpoints" / checkpoints.LATEST_NAME, TARGET,
                            trained_on="procedural faces (32 px, 20000, seed 0)")
    print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t0:.0f} s;"
          f" run folder {out}")


if __name__ == "__main__":
    main()
