"""``ganstudio import [FORMAT] FILE -o OUT``: foreign checkpoints into our format."""

from __future__ import annotations

import argparse
import sys

from ganstudio.commands._common import parse_sets, registry
from ganstudio.errors import UserError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "import",
        help="convert a foreign checkpoint (.pth/.pt) into a model file",
        description="Convert FILE, read without executing code (weights only), into a "
        ".safetensors model.  FORMAT names an importer (see 'ganstudio plugins'); "
        "without it the format is recognised from the file's keys.",
    )
    p.add_argument("args", nargs="+", metavar="[FORMAT] FILE")
    p.add_argument("-o", "--output", required=True, help="model file to write (.safetensors)")
    p.add_argument("--force", action="store_true", help="overwrite an existing output file")
    p.add_argument(
        "--set",
        dest="sets",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="importer option (repeatable), e.g. denoise_twin=FILE for "
        "realesrgan-compact; a key the importer does not take is refused "
        "with the list of those it does",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ganstudio.services.importing import import_model

    if len(args.args) > 2:
        raise UserError("expected [FORMAT] FILE")
    fmt, src = args.args if len(args.args) == 2 else (None, args.args[0])
    done = import_model(
        registry(args),
        src,
        args.output,
        importer_id=fmt,
        options=parse_sets(args.sets),
        force=args.force,
    )
    print(f"wrote {done.path} (format {done.importer})", file=sys.stderr)
    return 0
