"""``ganstudio models``: the models ``--model NAME`` can find, without a path."""

from __future__ import annotations

import argparse
import json

from ganstudio.core import paths
from ganstudio.core.model_files import find_model_files
from ganstudio.core.untrusted import safe_text


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "models",
        help="list the models found by name: yours, the bundled demos, recent runs",
        description="List the model files GAN Studio finds without a path: your "
        "models folder, the bundled demo models and the latest checkpoint of recent "
        "training runs. Any command's --model takes the NAME shown here as well as a "
        "path; your own models shadow a bundled one of the same name. A file that "
        "cannot be read is listed as unreadable, with the reason.",
    )
    p.add_argument("--json", action="store_true", help="print machine-readable JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    rows = []
    for entry in find_model_files(runs_limit=1000):
        row = {
            "name": entry.name,
            "variant": entry.variant or "?",
            "source": entry.source,
            "path": str(entry.path),
        }
        if entry.error:
            row["unreadable"] = entry.error
        rows.append(row)
    if args.json:
        print(json.dumps(rows, indent=2))  # ensure_ascii: control characters come out escaped
        return 0
    folder = f"your models folder: {safe_text(paths.user_dirs().models)}"
    if not rows:
        print("no models found; train one ('ganstudio train') or import one ('ganstudio import')")
        print(folder)
        return 0
    shown = [{k: safe_text(v) for k, v in r.items()} for r in rows]
    width = max(len(r["name"]) for r in shown)
    vwidth = max(len(r["variant"]) for r in shown)
    for r in shown:
        line = f"{r['name']:<{width}}  {r['variant']:<{vwidth}}  {r['source']:<7}  {r['path']}"
        if "unreadable" in r:
            line += f"  UNREADABLE: {r['unreadable']}"
        print(line)
    print(folder)
    return 0
