"""``ganstudio batch ACTION --model M IN_DIR OUT_DIR``: an action over a folder.

Exit codes: 0 every file done or skipped, 3 some files failed (the report
lists each with its reason), 2 a usage error, 130 stopped by Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from pathlib import Path
from typing import Any

from ganstudio.commands._common import add_device_arg, first_interrupt_stops, registry
from ganstudio.errors import UserError

EXIT_SOME_FAILED = 3
EXIT_STOPPED = 130
DEFAULT_MAX_INPUT_MB = 1024


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "batch",
        help="run an image→image action (e.g. super-resolve) over a folder",
        description="Run ACTION on every image of IN_DIR and write the results to OUT_DIR, "
        "mirroring sub-folders.  Inputs are never modified; outputs are written atomically, "
        "so an interrupted run leaves only complete files and --resume carries on.  A bad "
        "file is reported and the batch goes on.  The summary is also written as JSON "
        "(OUT_DIR/batch-report.json).  Exit status: 0 all done, 3 some files failed, "
        "2 usage error, 130 stopped.  Ctrl-C finishes the current file and stops; a second "
        "Ctrl-C aborts at once.",
        epilog="Output names: a file keeps its name and extension when the output format is "
        "the same; otherwise it takes the new extension (a.tif -> a.png).  If two inputs would "
        "meet on one name (a.png and a.jpg with --format png), the one already in that format "
        "keeps it and the other keeps its old extension in the name (a.jpg.png).",
    )
    p.add_argument("action", help="a batchable image→image action id, e.g. super-resolve")
    p.add_argument(
        "--model",
        help="model file (.safetensors) or a name from 'ganstudio models'; "
        "not needed by actions that use no model",
    )
    p.add_argument("in_dir", metavar="IN_DIR", help="folder of input images (never modified)")
    p.add_argument("out_dir", metavar="OUT_DIR", help="folder for the results (created if needed)")
    p.add_argument(
        "--param",
        dest="params",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="action parameter (repeatable); 'ganstudio run ACTION --model M "
        "--list-params' shows them",
    )
    p.add_argument("--recursive", action="store_true", help="include sub-folders (mirrored)")
    p.add_argument(
        "--pattern",
        metavar="GLOB",
        help="only files whose name or relative path matches, e.g. '*.jpg', 'cats/*'",
    )
    p.add_argument(
        "--format",
        dest="fmt",
        choices=("png", "jpg", "webp", "obj", "ply", "stl", "npy", "npz", "binvox", "gif"),
        help="output format (default: the input's if png/jpg/webp, else png; voxel "
        "actions: obj, ply, stl, npy, npz, binvox, png or gif, default obj)",
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="skip inputs whose output already exists, decodes and was made from "
        "the same input, action, model and params (its provenance); redo the rest",
    )
    p.add_argument(
        "--max-input-mb",
        type=float,
        default=DEFAULT_MAX_INPUT_MB,
        metavar="MB",
        help="skip (and report) input files larger than this, unread "
        f"(default {DEFAULT_MAX_INPUT_MB:g})",
    )
    p.add_argument(
        "--max-megapixels",
        type=float,
        metavar="MP",
        help="skip inputs that decode to more pixels than this (default "
        "Pillow's decompression-bomb limit, about 89)",
    )
    p.add_argument(
        "--shard",
        metavar="I/N",
        help="process only share I of N (0-based; deterministic and disjoint). "
        "Under torchrun the rank's share is taken from RANK/WORLD_SIZE",
    )
    p.add_argument(
        "--report",
        metavar="PATH",
        help="JSON report path (default OUT_DIR/batch-report.json, or "
        "batch-report.rank-I.json for a shard)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_device_arg(p)
    p.set_defaults(func=run)


def parse_shard(text: str) -> tuple[int, int]:
    index, sep, count = text.partition("/")
    try:
        shard = (int(index), int(count))
    except ValueError:
        shard = (-1, 0)
    if not sep or shard[1] < 1 or not 0 <= shard[0] < shard[1]:
        raise UserError(f"--shard {text}: expected I/N with 0 <= I < N, e.g. 0/4")
    return shard


def run(args: argparse.Namespace) -> int:
    from PIL import Image

    from ganstudio.core.batch import BatchOptions, shard_from_env
    from ganstudio.core.device import pick_device
    from ganstudio.core.model_files import resolve_model
    from ganstudio.core.models import load_model
    from ganstudio.services.batch import prepare_batch

    shard = parse_shard(args.shard) if args.shard else (shard_from_env() or (0, 1))
    reg = registry(args)
    # a model-less image action runs without --model (its provenance then names no model)
    model = None
    if args.model:
        model = load_model(resolve_model(args.model), reg, pick_device(args.device))
    if not args.max_input_mb > 0 or (
        args.max_megapixels is not None and not args.max_megapixels > 0
    ):
        raise UserError("--max-input-mb and --max-megapixels must be positive")
    max_pixels = None
    if args.max_megapixels is not None:
        max_pixels = int(args.max_megapixels * 1e6)
        # Pillow refuses at twice its own limit before we can: lift it to the user's
        Image.MAX_IMAGE_PIXELS = max(Image.MAX_IMAGE_PIXELS or 0, max_pixels)
    options = BatchOptions(
        recursive=args.recursive,
        pattern=args.pattern,
        fmt=args.fmt,
        resume=args.resume,
        shard=shard,
        max_input_bytes=int(args.max_input_mb * 2**20),
        max_pixels=max_pixels,
    )
    runner = prepare_batch(
        reg,
        model,
        args.action,
        args.in_dir,
        args.out_dir,
        args.params,
        options,
        report_path=args.report,
    )
    # our own check reports decompression bombs per file; Pillow's warning would only add noise
    warnings.simplefilter("ignore", category=Image.DecompressionBombWarning)
    # under torchrun one bar per machine: ranks sharing a terminal would overdraw it
    first_local = os.environ.get("LOCAL_RANK", "0") == "0"
    report = _drive(runner, show_bar=not args.no_progress and first_local)
    who = f"shard {shard[0]}/{shard[1]}: " if shard[1] > 1 else ""
    print(f"{who}{report.summary()}; report: {runner.report_path}", file=sys.stderr)
    for path, reason in report.failed:
        print(f"  failed: {_rel(path, runner.in_dir)}: {reason}", file=sys.stderr)
    for path, reason in report.redone:
        print(f"  redone: {_rel(path, runner.in_dir)}: {reason}", file=sys.stderr)
    if report.stale_temps_removed:
        print(
            f"  removed {report.stale_temps_removed} temporary file(s) left by an interrupted run",
            file=sys.stderr,
        )
    if report.stopped:
        return EXIT_STOPPED
    return EXIT_SOME_FAILED if report.failed else 0


def _drive(runner: Any, show_bar: bool) -> Any:
    """Drive the batch with a progress bar; first Ctrl-C stops after the current file."""
    from tqdm import tqdm

    gen = runner.run()
    bar = None
    try:
        with first_interrupt_stops(runner.control, "stopping after the current file"):
            while True:
                try:
                    event = next(gen)
                except StopIteration as stop:
                    return stop.value
                if bar is None:
                    bar = tqdm(total=event.total, unit="img", disable=not show_bar, file=sys.stderr)
                status = event.data.get("status")
                if status == "working":  # inside a large file: which, and how far
                    bar.set_postfix_str(event.message, refresh=False)
                    bar.refresh()
                    continue
                bar.set_postfix_str("", refresh=False)
                bar.update(1)
                if status == "failed":
                    bar.write(event.message, file=sys.stderr)
    finally:
        gen.close()  # on an abort, stops the reader and writer threads
        if bar is not None:
            bar.close()


def _rel(path: Path, base: Path) -> str:
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return str(path)
