"""``ganstudio train VARIANT --data D --out RUN``: train with a live progress line."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ganstudio.commands._common import (
    add_device_arg,
    first_interrupt_stops,
    parse_sets,
    registry,
)
from ganstudio.errors import UserError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train",
        help="train a GAN variant on a folder or a procedural set",
        description="Train VARIANT on --data into the run folder --out: sample grids, "
        "metrics.jsonl and checkpoints.  Ctrl-C stops after the current step with a "
        "checkpoint (a second Ctrl-C aborts, keeping the last checkpoint); --resume "
        "continues.  Under torchrun it trains with DDP.",
    )
    p.add_argument("variant", help="variant id (see 'ganstudio plugins')")
    p.add_argument("--data", help="procedural:faces, folder:PATH or a folder path")
    p.add_argument("--out", required=True, help="run folder")
    p.add_argument(
        "--set",
        dest="sets",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="variant config value, e.g. resolution=64, objective=lsgan (repeatable)",
    )
    p.add_argument("--steps", type=int, help="total steps (default 2000)")
    p.add_argument("--batch-size", type=int, help="images per step per process (default 64)")
    p.add_argument("--resume", action="store_true", help="continue the run in --out")
    p.add_argument("--sample-every", type=int, help="steps between sample grids (default 200)")
    p.add_argument("--checkpoint-every", type=int, help="steps between checkpoints (default 500)")
    p.add_argument("--keep-last", type=int, help="checkpoints kept besides latest (default 3)")
    p.add_argument("--workers", type=int, help="data loading processes (default 2)")
    p.add_argument("--seed", type=int, help="random seed (default 0)")
    p.add_argument("--ema", type=float, help="EMA decay of the generator; 0 disables (0.999)")
    p.add_argument(
        "--amp",
        choices=("auto", "on", "off"),
        default="auto",
        help="mixed precision on CUDA (bf16 where supported, else fp16)",
    )
    p.add_argument(
        "--deterministic", action="store_true", help="deterministic kernels (exact resume; slower)"
    )
    p.add_argument(
        "--metrics",
        help="measure during training, e.g. fid or fid,kid,is,pr (see 'ganstudio eval'); "
        "logged in metrics.jsonl and train.log",
    )
    p.add_argument("--metrics-every", type=int, help="steps between measurements (default 500)")
    p.add_argument("--metrics-count", type=int, help="images per measurement (default 500)")
    p.add_argument("--metrics-extractor", help="features (default), inception:PATH or pixels")
    p.add_argument("--no-progress", action="store_true", help="plain log lines instead of a bar")
    add_device_arg(p)
    p.set_defaults(func=run)


_OPTION_FLAGS = {
    "steps": "steps",
    "batch_size": "batch_size",
    "sample_every": "sample_every",
    "checkpoint_every": "checkpoint_every",
    "keep_last": "keep_last",
    "workers": "num_workers",
    "seed": "seed",
    "ema": "ema_decay",
    "metrics_every": "metrics_every",
    "metrics_count": "metrics_count",
}


def _option_changes(args: argparse.Namespace) -> dict[str, Any]:
    """TrainOptions fields the flags set (the rest keep their defaults or saved values)."""
    changes: dict[str, Any] = {}
    for flag, field in _OPTION_FLAGS.items():
        value = getattr(args, flag)
        if value is not None:
            if (
                flag != "ema"
                and flag != "seed"
                and value < (0 if "every" in flag or flag in ("workers", "keep_last") else 1)
            ):
                raise UserError(f"--{flag.replace('_', '-')} must be positive, got {value}")
            changes[field] = value
    if args.metrics is not None:
        from ganstudio.core.metrics.evaluate import parse_metrics

        changes["metrics"] = ",".join(parse_metrics(args.metrics))
        changes.setdefault("metrics_every", 500)
    if args.metrics_extractor is not None:
        changes["metrics_extractor"] = args.metrics_extractor
    changes["device"] = args.device
    changes["amp"] = {"auto": None, "on": True, "off": False}[args.amp]
    if args.deterministic:
        changes["deterministic"] = True
    return changes


def run(args: argparse.Namespace) -> int:
    from ganstudio.core.training import distributed_env, exit_distributed_rank
    from ganstudio.services.training import prepare_training

    reg = registry(args)
    prepared = prepare_training(
        reg,
        args.variant,
        args.out,
        data=args.data,
        config=parse_sets(args.sets),
        options=_option_changes(args),
        resume=args.resume,
    )
    trainer, dataset = prepared.trainer, prepared.dataset
    rank, _ = distributed_env()
    for path, reason in getattr(dataset, "skipped", []) or []:
        if rank == 0:
            print(f"skipped {path}: {reason}", file=sys.stderr)

    with first_interrupt_stops(
        trainer.control, "stopping after the current step, with a checkpoint…"
    ):
        summary = _drive(trainer, show=rank == 0, bar=not args.no_progress)
    if rank == 0:
        state = "stopped" if summary.cancelled else "done"
        print(f"{state} at step {summary.steps}; checkpoint: {summary.checkpoint}")
    code = 130 if summary.cancelled else 0
    if trainer.world > 1:
        exit_distributed_rank(code)  # the run is saved; see its docstring for why
    return code


def _drive(trainer: Any, show: bool, bar: bool) -> Any:
    from tqdm import tqdm

    gen = trainer.run()
    progress = None
    try:
        while True:
            event = next(gen)
            if not show:
                continue
            if event.kind == "start":
                print(event.message, file=sys.stderr)
                progress = tqdm(
                    total=event.total,
                    initial=event.step,
                    unit="step",
                    dynamic_ncols=True,
                    disable=not bar,
                    file=sys.stderr,
                )
            elif event.kind == "step" and progress is not None:
                progress.update(event.step - progress.n)
                losses = " ".join(f"{k}={v:.3f}" for k, v in event.losses.items())
                progress.set_postfix_str(f"{losses} {event.img_per_s:.0f} img/s", refresh=False)
                if not bar and event.step % trainer.options.log_every == 0:
                    eta = f" eta {event.eta_s:.0f}s" if event.eta_s else ""
                    print(
                        f"step {event.step}/{event.total} {losses} "
                        f"{event.img_per_s:.0f} img/s{eta}",
                        file=sys.stderr,
                    )
            elif event.kind == "metrics" and progress is not None:
                values = " ".join(f"{k}={v:.4g}" for k, v in event.metrics.items())
                progress.write(f"step {event.step}: {values}", file=sys.stderr)
            elif event.kind in ("sample", "checkpoint") and not bar:
                print(f"{event.kind}: {event.path}", file=sys.stderr)
    except StopIteration as stop:
        return stop.value
    finally:
        if progress is not None:
            progress.close()
