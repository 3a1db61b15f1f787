"""``ganstudio import [FORMAT] FILE -o OUT``: foreign checkpoints into our format."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

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
    from ganstudio.core.importing import import_checkpoint

    if len(args.args) > 2:
        raise UserError("expected [FORMAT] FILE")
    fmt, src = args.args if len(args.args) == 2 else (None, args.args[0])
    out = Path(args.output).expanduser()
    if out.suffix != ".safetensors":
        raise UserError(f"-o {out}: the output must end in .safetensors")
    if out.exists() and not args.force:
        raise UserError(f"{out} exists; use --force to overwrite it")
    importer_id = import_checkpoint(
        registry(args), Path(src).expanduser(), out, fmt, parse_sets(args.sets)
    )
    print(f"wrote {out} (format {importer_id})", file=sys.stderr)
    return 0
