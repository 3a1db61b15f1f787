"""``python -m ganstudio`` and the ``ganstudio`` console script.

The one place outside ``ganstudio/gui/`` that may reach the GUI: with no
sub-command it opens the desktop application, otherwise it runs the CLI.
"""

from __future__ import annotations

import sys


def start_gui(safe_mode: bool) -> int:
    try:
        from ganstudio.gui.app import main as gui_main
    except ImportError as exc:
        print(
            f"ganstudio: the desktop application is not available ({exc}); "
            "see 'ganstudio --help' for the commands",
            file=sys.stderr,
        )
        return 1
    return int(gui_main([], safe_mode=safe_mode))


def main(argv: list[str] | None = None) -> int:
    from ganstudio.cli import main as cli_main
    from ganstudio.core import hostmem

    hostmem.tune()  # before any worker thread exists: see core/hostmem.py

    return cli_main(sys.argv[1:] if argv is None else argv, start_gui=start_gui)


if __name__ == "__main__":
    sys.exit(main())
