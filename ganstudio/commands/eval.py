"""``ganstudio eval MODEL --data D --metrics fid,kid,is,pr``: measure a generator."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ganstudio.commands._common import add_device_arg, registry
from ganstudio.errors import UserError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "eval",
        help="measure a model's samples against a data set (FID, KID, IS, precision/recall)",
        description="Generate --count images with MODEL and compare their features with "
        "--count images of --data: FID and KID (lower is better), the Inception Score "
        "(higher is better) and precision/recall (the share of generated images that "
        "look real, and of real images the model covers).  The real images' statistics "
        "are cached per data set, extractor, resolution and count, so a second "
        "evaluation only generates.  Numbers from different extractors are not comparable.",
    )
    p.add_argument("model", help="model file (.safetensors) or a name from 'ganstudio models'")
    p.add_argument("--data", required=True, help="procedural:faces, folder:PATH or a folder path")
    p.add_argument(
        "--metrics", default="fid,kid,is,pr", help="comma-separated: fid,kid,is,pr (default: all)"
    )
    p.add_argument(
        "--extractor",
        default="features",
        help="features (the bundled face feature net, default), inception:PATH "
        "(pytorch-fid's pt_inception-2015-12-05-6726825d.pth) or pixels",
    )
    p.add_argument("--count", type=int, default=1000, help="images per set (default 1000)")
    p.add_argument("--batch-size", type=int, default=64, help="images per batch (default 64)")
    p.add_argument("--seed", type=int, default=0, help="first seed of the generated images")
    p.add_argument("--no-cache", action="store_true", help="recompute the reference statistics")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_device_arg(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from ganstudio.core.device import pick_device
    from ganstudio.core.metrics.evaluate import (
        compare,
        generate_action,
        images_from_model,
        make_extractor,
        parse_metrics,
        reference_stats,
        stream_stats,
    )
    from ganstudio.core.model_files import resolve_model
    from ganstudio.core.models import load_model
    from ganstudio.core.sources import open_dataset
    from ganstudio.core.specs import DataRequest

    metrics = parse_metrics(args.metrics)
    if args.count < 2 or args.batch_size < 1:
        raise UserError("--count must be at least 2 and --batch-size at least 1")
    reg = registry(args)
    device = pick_device(args.device)
    model = load_model(resolve_model(args.model), reg, device)
    generate_action(model, reg)  # before any slow work: can it make images at all?
    resolution = int(getattr(model.config, "resolution", 64))
    request = DataRequest(resolution=resolution, channels=getattr(model.config, "channels", 3))
    dataset = open_dataset(reg, args.data, request)
    if len(dataset) < 2:
        raise UserError(f"--data {args.data}: fewer than two images")
    extractor = make_extractor(args.extractor, device)
    real_count = min(args.count, len(dataset))

    def bar(total: int, desc: str) -> Any:
        return tqdm(
            total=total,
            desc=desc,
            unit="img",
            disable=args.no_progress,
            file=sys.stderr,
            leave=False,
            dynamic_ncols=True,
        )

    with bar(real_count, "real images") as progress:
        ref = reference_stats(
            dataset,
            args.data,
            extractor,
            resolution,
            real_count,
            args.batch_size,
            use_cache=not args.no_cache,
            on_batch=progress.update,
        )
    with bar(args.count, "generated images") as progress:
        fake = stream_stats(
            extractor,
            images_from_model(model, reg, args.count, args.batch_size, args.seed),
            on_batch=progress.update,
            expected=args.count,
        )
    result = compare(ref.stats, fake, metrics, extractor.name)
    if args.json:
        print(
            json.dumps(
                {
                    "model": str(model.path),
                    "data": args.data,
                    "extractor": extractor.name,
                    "real": result.real_count,
                    "generated": result.fake_count,
                    "subset": result.subset,
                    "reference_cached": ref.cached,
                    **result.values,
                },
                indent=2,
            )
        )
        return 0
    cached = "cached" if ref.cached else "computed" + (", now cached" if ref.path else "")
    print(
        f"{model.name} vs {args.data}: {result.fake_count} generated, {result.real_count} "
        f"real images ({cached}); extractor {extractor.name}"
    )
    for line in format_values(result.values, result.subset):
        print(line)
    return 0


def format_values(values: dict[str, float], subset: int) -> list[str]:
    """One aligned line per metric, saying which way is better."""
    lines = []
    if "fid" in values:
        lines.append(f"FID        {values['fid']:10.4f}   lower is better")
    if "kid" in values:
        lines.append(f"KID        {values['kid']:10.5f}   lower is better ({subset} per set)")
    if "is" in values:
        lines.append(
            f"IS         {values['is']:10.4f}   ± {values['is_std']:.4f}, higher is better"
        )
    if "precision" in values:
        lines.append(f"precision  {values['precision']:10.4f}   share of samples that look real")
        lines.append(f"recall     {values['recall']:10.4f}   share of the data the samples cover")
    return lines
