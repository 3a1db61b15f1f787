"""``ganstudio directions``: fit attribute directions into a model file, or list them."""

from __future__ import annotations

import argparse
import sys

from ganstudio.commands._common import action_progress, add_device_arg, registry
from ganstudio.core.sources import open_dataset
from ganstudio.core.specs import DataRequest, parse_params
from ganstudio.errors import UserError

FIT_ACTION = "fit-directions"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "directions",
        help="fit attribute directions (sliders) into a model, or list them",
        description="'fit' runs the model's fit-directions action (labels: a linear "
        "classifier in latent space per labelled attribute; pca: principal components, "
        "named by you) and stores the directions in the model file, which is rewritten "
        "atomically (or written to -o).  'list' shows the directions a model carries.",
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
    from ganstudio.core import checkpoints
    from ganstudio.core.actions import run_action
    from ganstudio.core.device import pick_device
    from ganstudio.core.model_files import resolve_model
    from ganstudio.core.models import load_model
    from ganstudio.services.models import is_bundled, store_tensors

    model_path = resolve_model(args.model)
    if args.verb == "fit" and not args.output and is_bundled(model_path):  # before the work
        raise UserError(
            f"{model_path.name} is a bundled demo and is not rewritten; "
            "give -o NEW.safetensors for the model with directions"
        )
    if args.verb == "list":
        names = sorted(
            k.split(".", 1)[1]
            for k in checkpoints.tensor_names(model_path)
            if k.startswith("directions.")
        )
        print("\n".join(names) if names else f"{model_path.name} carries no directions")
        return 0
    reg = registry(args)
    model = load_model(model_path, reg, pick_device(args.device))
    action = reg.action_for(FIT_ACTION, model.capabilities, model.variant_id)
    values = parse_params(action.params_for(model), args.params)
    inputs = {}
    if args.data:
        request = DataRequest(resolution=getattr(model.config, "resolution", 64))
        inputs["dataset"] = open_dataset(reg, args.data, request)
    with action_progress() as on_progress:
        out = run_action(action, model, values, inputs, on_progress=on_progress)
    if not out.result.tensors:
        raise UserError("the fit produced no directions")
    target = store_tensors(model_path, out.result.tensors, args.output)  # locked merge
    names = sorted(k.split(".", 1)[1] for k in out.result.tensors if k.startswith("directions."))
    print(f"wrote {len(names)} directions to {target}: {', '.join(names)}", file=sys.stderr)
    return 0
