"""Train the demo StyleGAN2 on procedural faces: resources/models/stylegan-faces-RES.safetensors.

Deterministic (seeded, one CPU thread, no data-loader workers) and small
(only the EMA generator is kept).  ``--resolution 32`` (the default, ~1 MB):
about 40 minutes on one core (0.3 s a step of 16 images).  ``--resolution 64``
(~4 MB, twice the channels at every level and a wider W): the script prints
its own seconds per step and the estimated total after the first 20 steps;
on this 2-core machine that is hours, so run it where you can leave it (or on
a GPU with ``--device cuda``).  ``--resume`` continues a stopped run exactly:

    .venv/bin/python scripts/train_stylegan_demo.py [--resolution 64] [--steps N] [--run DIR]

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
MODELS = ROOT / "resources" / "models"

#: per resolution: the model config and the default number of steps
CONFIGS = {
    32: (
        dict(
            resolution=32,
            z_dim=64,
            w_dim=64,
            mapping_layers=4,
            channel_base=1024,
            channel_max=64,
            r1_gamma=0.05,
            r1_every=16,
            mixing_prob=0.9,
        ),
        8000,
    ),
    64: (
        dict(
            resolution=64,
            z_dim=128,
            w_dim=128,
            mapping_layers=4,
            channel_base=4096,
            channel_max=128,
            r1_gamma=0.1,
            r1_every=16,
            mixing_prob=0.9,
        ),
        30000,
    ),
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--resolution", type=int, choices=sorted(CONFIGS), default=32)
    ap.add_argument("--steps", type=int, help="default: 8000 at 32 px, 30000 at 64 px")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--run", help="training run folder (default /tmp/stylegan-demo-run-RES)")
    ap.add_argument("--out", help="default resources/models/stylegan-faces-RES.safetensors")
    ap.add_argument("--device", default="cpu", help="cpu (deterministic), cuda, …")
    ap.add_argument(
        "--resume",
        action="store_true",
        help="continue the run in --run (exactly as if it had not stopped)",
    )
    args = ap.parse_args()
    torch.set_num_threads(1)
    CONFIG, default_steps = CONFIGS[args.resolution]
    args.steps = args.steps or default_steps
    args.run = args.run or f"/tmp/stylegan-demo-run-{args.resolution}"
    args.out = args.out or str(MODELS / f"stylegan-faces-{args.resolution}.safetensors")

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
        device=args.device,
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
            if ev.kind == "step" and ev.step == 20 and not args.resume:
                per_step = (time.perf_counter() - t0) / 20
                print(
                    f"{per_step:.2f} s/step: {args.steps} steps take about "
                    f"{per_step * args.steps / 3600:.1f} h here",
                    flush=True,
                )
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
        "description": f"Demo StyleGAN2 trained on procedural faces ({args.resolution} px)",
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
