"""Train the demo StyleGAN2 on procedural faces: resources/models/stylegan-faces-32.safetensors.

Deterministic (seeded, one CPU thread, no data-loader workers) and small
(~1 MB: only the EMA generator is kept).  About 40 minutes on one core
(0.3 s a step of 16 images); ``--resume``
continues a stopped run exactly:

    .venv/bin/python scripts/train_stylegan_demo.py [--steps 8000] [--run /tmp/stylegan-demo]

Directions for the labelled attributes are added afterwards by
``ganstudio directions fit --model resources/models/stylegan-faces-32.safetensors
--data "procedural:faces?count=3000" --param method=labels --param images=3000
--param samples=3000 --param steps=600``, and the README's figure and table by
``scripts/eval_attributes.py --figure docs/stylegan_attributes.png``.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

import torch

from ganstudio import plugins
from ganstudio.core import checkpoints
from ganstudio.core.specs import DataRequest
from ganstudio.core.training import Trainer, TrainOptions

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "resources" / "models" / "stylegan-faces-32.safetensors"

CONFIG = dict(
    resolution=32,
    z_dim=64,
    w_dim=64,
    mapping_layers=4,
    channel_base=1024,
    channel_max=64,
    r1_gamma=0.05,
    r1_every=16,
    mixing_prob=0.9,
)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=8000)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--run", default="/tmp/stylegan-demo-run", help="training run folder")
    ap.add_argument("--out", default=str(OUT))
    ap.add_argument(
        "--resume",
        action="store_true",
        help="continue the run in --run (exactly as if it had not stopped)",
    )
    args = ap.parse_args()
    torch.set_num_threads(1)

    reg = plugins.get_registry()
    variant = reg.variant("stylegan2")
    config = variant.config(**CONFIG)
    config.validate()
    data_spec = "procedural:faces?count=20000&seed=0"
    dataset = reg.dataset("procedural").open(
        "faces?count=20000&seed=0", DataRequest(resolution=config.resolution)
    )
    run = Path(args.run)
    if run.exists() and not args.resume:
        if not (run / "config.json").exists():
            sys.exit(f"{run} exists and is not a training run; choose another --run")
        shutil.rmtree(run)  # a previous demo run: start again from scratch
    options = TrainOptions(
        steps=args.steps,
        batch_size=args.batch,
        device="cpu",
        amp=False,
        ema_decay=0.995,
        sample_every=250,
        sample_count=16,
        checkpoint_every=500,
        log_every=25,
        num_workers=0,
        seed=0,
        deterministic=True,
    )
    trainer = Trainer(
        variant,
        config,
        dataset,
        run,
        options,
        None,
        variant_id="stylegan2",
        plugin=reg.plugin_of("variants", variant),
        data_spec=data_spec,
        resume=args.resume,
    )
    t0 = time.perf_counter()
    gen = trainer.run()
    try:
        while True:
            ev = next(gen)
            if ev.kind == "step" and ev.step % 50 == 0:
                losses = " ".join(f"{k}={v:.3f}" for k, v in ev.losses.items())
                print(
                    f"step {ev.step}/{ev.total} {losses} {time.perf_counter() - t0:.0f}s",
                    flush=True,
                )
    except StopIteration as stop:
        summary = stop.value
    tensors, meta = checkpoints.load_model_file(summary.checkpoint)
    keep = {k: v.contiguous() for k, v in tensors.items() if k.startswith("G_ema.")}
    meta = {
        **meta,
        "description": "Demo StyleGAN2 trained on procedural faces (32 px)",
        "script": "scripts/train_stylegan_demo.py",
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    checkpoints.save_model(args.out, keep, meta)
    size = Path(args.out).stat().st_size / 1e6
    print(
        f"wrote {args.out} ({size:.1f} MB) after {summary.steps} steps "
        f"in {time.perf_counter() - t0:.0f}s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
