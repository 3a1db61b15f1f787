"""``python -m ganstudio`` and the ``ganstudio`` console script."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    """Start the desktop app with no arguments, else run a CLI sub-command."""
    from ganstudio.cli import main as cli_main

    return cli_main(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    sys.exit(main())
