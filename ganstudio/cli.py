"""``ganstudio …``: the headless face of everything the GUI does.

Each sub-command lives in :mod:`ganstudio.commands` with a ``register``
function; this module builds the parser and turns user mistakes into one
clear line and a non-zero exit (a traceback only ever means a bug).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Callable, Sequence

from ganstudio import __version__
from ganstudio.errors import USER_ERRORS

#: sub-command modules, in the order ``--help`` lists them
COMMANDS = ("plugins", "models", "train", "run", "eval", "info", "import_", "batch", "directions")

EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ganstudio",
        description="GAN Studio: create and edit images with GANs. "
        "With no command, starts the desktop application.",
    )
    parser.add_argument("--version", action="version", version=f"GAN Studio {__version__}")
    parser.add_argument(
        "--safe-mode",
        action="store_true",
        help="load only the built-in plugins (also GANSTUDIO_SAFE_MODE=1)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"ganstudio.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"ganstudio.commands.{name}":
                continue  # a command whose module is not part of this build
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None, start_gui: Callable[[bool], int] | None = None) -> int:
    """Run a sub-command; with none, call ``start_gui(safe_mode)`` (or print help)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    for handler in logging.root.handlers:  # run logs may be more detailed than the console
        handler.setLevel(logging.INFO if args.verbose else logging.WARNING)
    if args.command is None:
        if start_gui is None:
            parser.print_help()
            return 0
        return start_gui(args.safe_mode)
    try:
        return int(args.func(args) or 0)
    except USER_ERRORS as exc:
        from ganstudio.core.untrusted import safe_text  # messages may quote a file's content

        print(f"ganstudio {args.command}: error: {safe_text(exc)}", file=sys.stderr)
        return int(getattr(exc, "exit_code", EXIT_USAGE))
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
