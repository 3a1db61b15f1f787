"""``ganstudio directions``: fit attribute directions into a model file, or list them."""

from __future__ import annotations

import argparse
import sys

from ganstudio.commands._common import action_progress, add_device_arg, registry
from ganstudio.services.directions import FIT_ACTION

__all__ = ["FIT_ACTION", "register", "run"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "directions",
        help="fit attribute directions (sliders) into a model, or list them",
        description="'fit' runs the model's fit-directions action (labels: a linear "
        "classifier in latent space per labelled attribute; pca: principal components, "
        "named by you) and stores the directions in the model file, which is rewritten "
        "atomically (or written to -o; a bundled demo model needs -o).  'list' shows the "
        "directions a model carries.",
    )
    p.add_argument("verb", choices=("fit", "list"))
    p.add_argument(
        "--model", required=True, help="model file (.safetensors) or a name from 'ganstudio models'"
    )
    p.add_argument("--data", help="labelled data for method=labels, e.g. procedural:faces")
    p.add_argument(
        "--param",
        dest="params",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="fit parameter, e.g. method=pca, samples=2000, names=smile,age",
    )
    p.add_argument("-o", "--output", help="write a new model file instead of updating --model")
    add_device_arg(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ganstudio.core.model_files import resolve_model
    from ganstudio.services.directions import direction_names, fit_directions, list_directions
    from ganstudio.services.models import ModelCache

    model_path = resolve_model(args.model)
    if args.verb == "list":
        names = list_directions(model_path)
        print("\n".join(names) if names else f"{model_path.name} carries no directions")
        return 0
    cache = ModelCache(registry(args), args.device)
    with action_progress() as on_progress:
        run = fit_directions(
            cache, model_path, args.params, data=args.data, out=args.output, on_progress=on_progress
        )
    names = direction_names(run.output.result.tensors)
    print(f"wrote {len(names)} directions to {run.stored}: {', '.join(names)}", file=sys.stderr)
    return 0
